// 随手拍: the public tip form. Posts JSON (photo as base64) to /v1/tips; no login.
'use strict';

const STATES = {
  warning: '预警提示', received: '已受理', verifying: '核查中', investigating: '调查处理中',
  decided: '已作出处理决定', feedback_given: '已反馈结果', closed: '已办结',
};
const $ = (id) => document.getElementById(id);
function say(el, text, ok) { el.textContent = text; el.className = 'msg ' + (ok ? 'ok' : 'err'); }

// Fetches JSON; every failure becomes an Error with a Chinese message (the server's, or one by
// status), never the browser's English ("Failed to fetch", a JSON parse error).
async function getJson(url, opts) {
  let r;
  try { r = await fetch(url, opts); } catch (_) { throw new Error('无法连接服务器，请检查网络后重试'); }
  let d = null;
  try { d = await r.json(); } catch (_) { d = null; }
  if (r.ok && d) return d;
  let msg;
  if (d && typeof d.message === 'string' && d.message) msg = d.message;
  else if (r.status === 413) msg = '提交的内容过大，请换一张较小的照片';
  else if (r.status === 429) msg = '提交过于频繁，请稍后再试';
  else if (r.status >= 500) msg = '服务器暂时出错，请稍后重试';
  else if (r.ok) msg = '服务器的回答不完整，请检查网络后重试';
  else msg = '请求未被受理（状态 ' + r.status + '），请刷新页面后重试';
  const err = new Error(msg); err.status = r.status; throw err;
}

async function loadAreas() {
  const d = await getJson('/v1/tips/areas');
  const byId = Object.fromEntries(d.areas.map((a) => [a.id, a]));
  for (const a of d.areas) {
    const names = [];
    for (let x = a; x; x = byId[x.parent_id]) names.unshift(x.name);
    const o = document.createElement('option');
    o.value = a.id;
    o.textContent = names.join(' / ');
    $('tip-area').append(o);
  }
}

// A random id this browser keeps, so that the server limits tips per reporter rather than per
// network (an office or a carrier may put many people behind one address). Never stored.
function reporterId() {
  try {
    let id = localStorage.getItem('xuncha.reporter');
    if (!id) {
      const b = new Uint8Array(16);
      crypto.getRandomValues(b);
      id = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
      localStorage.setItem('xuncha.reporter', id);
    }
    return id;
  } catch (x) {
    return undefined;
  }
}

function readBase64(file) {
  return new Promise((resolve, reject) => {
    const fr = new FileReader();
    fr.onload = () => resolve(String(fr.result));
    fr.onerror = () => reject(fr.error);
    fr.readAsDataURL(file);
  });
}

$('tip-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const m = $('tip-msg');
  const body = { area: $('tip-area').value, place: $('tip-place').value.trim(), description: $('tip-description').value.trim(), website: $('tip-website').value, reporter: reporterId() };
  const file = $('tip-photo').files[0];
  if (file) {
    if (file.size > 6 * 1024 * 1024) { say(m, '照片超过 6 MB'); return; }
    body.photo_base64 = await readBase64(file);
  }
  $('tip-submit').disabled = true;
  try {
    const d = await getJson('/v1/tips', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    say(m, '已收到您的举报。查询码：' + d.tracking_code + (d.photo_attached || !file ? '' : '（照片未能作为证据保存：' + d.photo_problem + '）'), true);
    $('lookup-code').value = d.tracking_code;
    $('tip-form').reset();
  } catch (x) {
    say(m, x.status === 429 ? '提交过于频繁，请稍后再试' : '提交失败：' + x.message);
  } finally {
    $('tip-submit').disabled = false;
  }
});

$('lookup-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const m = $('lookup-msg');
  let d;
  try {
    d = await getJson('/v1/tips/' + encodeURIComponent($('lookup-code').value.trim()));
  } catch (x) {
    say(m, x.status === 404 ? '没有这个查询码' : x.message);
    return;
  }
  say(m, '处理状态：' + (STATES[d.state] || d.state) + (d.feedback ? '。处理结果：' + d.feedback : ''), true);
});

loadAreas().catch(() => say($('tip-msg'), '区域列表加载失败，请刷新'));
