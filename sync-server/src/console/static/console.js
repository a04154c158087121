// 巡查督导台: a small single-page console over /v1/console/*. No framework, no CDN.
// Every text from records is put in the page with textContent (never as HTML).
'use strict';

// ---------- helpers ----------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const SVGNS = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const L = {
  shift: { day: '日查', night: '夜查' },
  mode: { joint: '联检', spot: '抽检' },
  approach: { open: '明查', undercover: '暗访' },
  conclusion: { no_problem: '无问题', suspected: '疑似违规', confirmed: '确认违规', none: '未下结论' },
  review: { approved: '审核通过', reinspection_requested: '要求复查', none: '未审核' },
  state: {
    warning: '预警提示', received: '投诉接收', verifying: '核查', investigating: '联合取证查处',
    decided: '处理决定', feedback_given: '结果反馈', closed: '办结',
  },
  source: { warning: '预警提示', hotline_12345: '12345热线', mailbox: '举报信箱', tip: '随手拍', inspection: '检查发现' },
  integrity: { verified: '已验证', pending: '待上传', failed: '校验失败' },
  kind: { photo: '照片', signature: '当事人签名', voice_note: '录音' },
  ledgerStatus: { in: '在账', out: '已出账' },
  category: {
    converted_institution: '已转型学科类培训机构', deregistered_institution: '已注销学科类培训机构',
    caught_non_subject: '曾违规开展学科类培训的非学科类机构', care_beyond_scope: '超范围经营的托管托育机构',
    housekeeping_tutor: '提供"住家教师"的家政公司', competition_consultancy: '竞赛及升学咨询机构',
    serving_teacher: '有偿补课的在职教师', laid_off_staff: '原学科类培训从业人员',
  },
  patrol: { nothing_found: '未发现问题', lead_raised: '发现线索', issue_found: '发现问题' },
  level: { city: '市', county: '县/区', township: '乡镇/街道', community: '社区/村', grid: '网格' },
  flag: {
    poor_accuracy: '定位精度不足', mock_location: '模拟定位', no_gps_fix: '无定位', no_exif_position: '照片无位置信息',
    exif_position_mismatch: '照片位置与定位不符', exif_time_mismatch: '照片时间与定位不符', clock_skew: '设备时钟偏差',
    no_exif: '照片无EXIF信息', exif_unreadable: '照片EXIF无法读取', exif_gps_invalid: '照片EXIF位置无效',
    exif_orientation_invalid: '照片方向标记无效', exif_time_far_off: '照片时间与设备时钟不符',
    cmyk_colour: 'CMYK印刷色彩（非相机原图）', grayscale_colour: '黑白照片', other: '其他提示',
  },
  provider: { gps: '卫星', network: '网络', fused: '融合' },
};
const label = (table, v) => (v === null || v === undefined ? '' : (L[table][v] || v));

function fmt(ms, withSeconds) {
  if (!ms) return '';
  const opts = { timeZone: 'Asia/Shanghai', hour12: false, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' };
  if (withSeconds) opts.second = '2-digit';
  return new Date(ms).toLocaleString('zh-CN', opts);
}
const dayMs = 86400000;
const shortHash = (x) => (x ? x.slice(0, 12) + '…' : '');

function answerText(a) {
  if (!a) return '';
  const v = a.value;
  switch (v.type) {
    case 'yes': return '是';
    case 'no': return '否';
    case 'not_applicable': return '不适用';
    case 'count': return String(v.value);
    case 'text': return v.value;
    default: return JSON.stringify(v);
  }
}

// A conflict value is JSON text of the competing answers.
function conflictText(values) {
  return values.map((x) => {
    try {
      const a = JSON.parse(x);
      if (a && a.value) return answerText(a) + (a.answered_by ? '（' + a.answered_by.name + '）' : '');
      return typeof a === 'string' ? a : JSON.stringify(a);
    } catch (_) { return x; }
  }).join(' ／ ');
}

// ---------- session and API ----------

let session = null;
try { session = JSON.parse(sessionStorage.getItem('xuncha.session') || 'null'); } catch (_) { session = null; }
let meta = null;

// What a supervisor reads when the server gave no message of its own: by status, never the
// browser's English (a failed fetch says "Failed to fetch", statusText is English).
const OFFLINE = '无法连接服务器，请检查网络后重试';
function statusText(status) {
  if (status === 401) return '登录已失效，请重新登录';
  if (status === 403) return '无权执行此操作';
  if (status === 404) return '找不到请求的内容，请刷新页面后重试';
  if (status === 413) return '发送的内容过大';
  if (status === 429) return '操作过于频繁，请稍后再试';
  if (status >= 500) return '服务器暂时出错（状态 ' + status + '），请稍后重试';
  return '请求未被受理（状态 ' + status + '），请刷新页面后重试';
}

async function api(path, opts) {
  opts = opts || {};
  const headers = {};
  if (session) headers.Authorization = 'Bearer ' + session.token;
  let body;
  if (opts.json !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(opts.json); }
  let res;
  try {
    res = await fetch(path, { method: opts.method || (body ? 'POST' : 'GET'), headers, body });
  } catch (_) { throw new Error(OFFLINE); }
  if (res.status === 401 && session) { signOut(); throw new Error('登录已失效，请重新登录'); }
  if (!res.ok) {
    let msg = statusText(res.status);
    try { const e = await res.json(); if (e && typeof e.message === 'string' && e.message) msg = e.message; } catch (_) { /* not JSON */ }
    const err = new Error(msg); err.status = res.status; throw err;
  }
  try {
    return await (opts.blob ? res.blob() : res.json());
  } catch (_) { throw new Error('服务器的回答不完整，请检查网络后重试'); }
}

async function download(path, filename) {
  const blob = await api(path, { blob: true });
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

const blobUrls = new Map();
async function imageUrl(hash, what) {
  const key = hash + '/' + what;
  if (!blobUrls.has(key)) blobUrls.set(key, api('/v1/evidence/' + hash + '/' + what, { blob: true }).then((b) => URL.createObjectURL(b)));
  return blobUrls.get(key);
}

function signOut() {
  if (session) fetch('/v1/console/logout', { method: 'POST', headers: { Authorization: 'Bearer ' + session.token } }).catch(() => {});
  session = null; meta = null;
  sessionStorage.removeItem('xuncha.session');
  location.hash = '#/login';
  route();
}

// ---------- layout ----------

const app = () => document.getElementById('app');
function show(...nodes) { const a = app(); a.replaceChildren(...nodes.filter((n) => n)); window.scrollTo(0, 0); }
function msg(el, text, ok) { el.textContent = text; el.className = 'msg ' + (ok ? 'ok' : 'err'); }

function frame(page) {
  const nav = document.getElementById('nav');
  nav.hidden = !session;
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.dataset.page === page);
  const who = document.getElementById('who');
  who.replaceChildren();
  if (session && meta) {
    who.append(
      h('span', { id: 'who-name' }, meta.user.name, '（', meta.user.role === 'admin' ? '管理员' : '督导', ' · ', meta.jurisdiction_name, '）'),
      h('button', { class: 'link', id: 'logout', onclick: signOut }, '退出'),
    );
  }
}

function nodeOptions(selected, withAll) {
  const opts = withAll ? [h('option', { value: '' }, '全部（本辖区）')] : [];
  const depth = (j) => { let d = 0; let p = j; while (p && p.parent_id) { p = meta.jurisdictions.find((x) => x.id === p.parent_id); d++; } return d; };
  for (const j of meta.jurisdictions) {
    opts.push(h('option', { value: j.id, selected: j.id === selected }, '　'.repeat(depth(j)) + j.name + '（' + label('level', j.level) + '）'));
  }
  return opts;
}

function select(id, table, selected, allText) {
  return h('select', { id }, h('option', { value: '' }, allText || '全部'),
    Object.entries(L[table]).map(([k, v]) => h('option', { value: k, selected: k === selected }, v)));
}

function field(text, control) { return h('label', { class: 'field' }, h('span', {}, text), control); }
function badge(text, cls) { return h('span', { class: 'badge ' + (cls || '') }, text); }
function section(title, ...content) { return h('section', { class: 'card' }, h('h2', {}, title), ...content); }
function table(headers, rows, cls) {
  return h('table', { class: cls || 'grid' }, h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))), h('tbody', {}, rows));
}
function query() {
  const i = location.hash.indexOf('?');
  return new URLSearchParams(i >= 0 ? location.hash.slice(i + 1) : '');
}

// ---------- login ----------

function loginPage() {
  frame('login');
  const err = h('p', { class: 'msg', id: 'login-msg' });
  const user = h('input', { id: 'login-username', autocomplete: 'username', required: true });
  const pass = h('input', { id: 'login-password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { class: 'login card', id: 'login-form' },
    h('h1', {}, '督导登录'),
    field('用户名', user), field('密码', pass),
    h('button', { id: 'login-submit', type: 'submit' }, '登录'), err,
    h('p', { class: 'muted' }, '本系统仅供督导、管理人员使用。群众举报请使用 ', h('a', { href: '/tip' }, '随手拍举报'), '。'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await api('/v1/login', { json: { username: user.value.trim(), password: pass.value } });
      if (r.user.role !== 'supervisor' && r.user.role !== 'admin') { msg(err, '该账号不是督导或管理员账号，不能使用督导台'); return; }
      session = { token: r.token, user: r.user };
      sessionStorage.setItem('xuncha.session', JSON.stringify(session));
      if (location.hash === '#/inspections') route(); else location.hash = '#/inspections';
    } catch (x) { msg(err, x.status === 401 ? '用户名或密码错误' : '登录失败：' + x.message); }
  });
  show(form);
  user.focus();
}

// ---------- inspections ----------

async function inspectionsPage() {
  frame('inspections');
  const q = query();
  const v = (k) => q.get(k) || '';
  const form = h('form', { class: 'filters card', id: 'inspection-filters' },
    field('开始日期', h('input', { id: 'f-from', type: 'date', value: v('from') })),
    field('结束日期', h('input', { id: 'f-to', type: 'date', value: v('to') })),
    field('日查/夜查', select('f-shift', 'shift', v('shift'))),
    field('联检/抽检', select('f-mode', 'mode', v('mode'))),
    field('属地', h('select', { id: 'f-node' }, nodeOptions(v('node'), true))),
    field('部门', h('select', { id: 'f-department' }, h('option', { value: '' }, '全部'),
      meta.departments.map((d) => h('option', { value: d, selected: d === v('department') }, d)))),
    field('结论', select('f-conclusion', 'conclusion', v('conclusion'))),
    field('审核', select('f-review', 'review', v('review'))),
    field('关键词', h('input', { id: 'f-q', type: 'search', placeholder: '笔录、发现问题、人员、场所', value: v('q') })),
    h('label', { class: 'check' }, h('input', { id: 'f-conflicts', type: 'checkbox', checked: v('conflicts') === '1' }), '有冲突'),
    h('label', { class: 'check' }, h('input', { id: 'f-photo-pending', type: 'checkbox', checked: v('photo_pending') === '1' }), '照片待上传'),
    h('div', { class: 'buttons' },
      h('button', { id: 'f-submit', type: 'submit' }, '筛选'),
      h('button', { id: 'f-reset', type: 'button', class: 'secondary', onclick: () => { location.hash = '#/inspections'; } }, '清除'),
      h('button', { id: 'export-inspections', type: 'button', class: 'secondary', onclick: () => download('/v1/console/inspections.csv?' + apiQuery().toString(), 'inspections.csv') }, '导出CSV')));
  function apiQuery() {
    const p = new URLSearchParams();
    const put = (k, id) => { const x = document.getElementById(id).value.trim(); if (x) p.set(k, x); };
    put('from', 'f-from'); put('to', 'f-to'); put('shift', 'f-shift'); put('mode', 'f-mode'); put('node', 'f-node');
    put('department', 'f-department'); put('conclusion', 'f-conclusion'); put('review', 'f-review'); put('q', 'f-q');
    if (document.getElementById('f-conflicts').checked) p.set('conflicts', '1');
    if (document.getElementById('f-photo-pending').checked) p.set('photo_pending', '1');
    return p;
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); location.hash = '#/inspections?' + apiQuery().toString(); });
  const result = h('div', { id: 'inspection-results' }, h('p', { class: 'muted' }, '正在查询…'));
  show(h('h1', {}, '检查记录'), form, result);
  const p = new URLSearchParams(q);
  let data;
  try { data = await api('/v1/console/inspections?' + p.toString()); } catch (x) { result.replaceChildren(h('p', { class: 'msg err' }, x.message)); return; }
  const rows = data.rows.map((r) => h('tr', { class: 'insp-row', 'data-id': r.id },
    h('td', {}, h('a', { href: '#/inspections/' + r.id, class: 'insp-link' }, fmt(r.started_at_ms))),
    h('td', {}, r.place || '—', h('div', { class: 'muted small' }, r.jurisdiction)),
    h('td', {}, label('shift', r.shift), ' · ', label('mode', r.mode), ' · ', label('approach', r.approach)),
    h('td', {}, r.departments.join('、'), h('div', { class: 'muted small' }, r.team.join('、'))),
    h('td', {}, r.answered, ' 项', r.violations ? badge('违规 ' + r.violations, 'red') : null),
    h('td', {}, badge(label('conclusion', r.conclusion || 'none'), 'c-' + (r.conclusion || 'none')), r.review ? badge(label('review', r.review), 'r-' + r.review) : null),
    h('td', {}, r.has_conflicts ? badge('有冲突', 'amber') : ''),
    h('td', {}, r.photos, r.photos_pending ? badge('待上传 ' + r.photos_pending, 'amber') : null)));
  const pages = Math.max(1, Math.ceil(data.total / data.per_page));
  const pager = h('div', { class: 'pager' }, '共 ', h('strong', { id: 'inspection-total' }, data.total), ' 条 · 第 ', data.page, '/', pages, ' 页 ',
    data.page > 1 ? h('a', { href: '#/inspections?' + withParam(q, 'page', data.page - 1) }, '上一页') : null, ' ',
    data.page < pages ? h('a', { href: '#/inspections?' + withParam(q, 'page', data.page + 1) }, '下一页') : null);
  result.replaceChildren(pager, data.rows.length
    ? table(['开始时间', '场所 / 属地', '类型', '部门 / 人员', '已答', '结论 / 审核', '冲突', '证据'], rows)
    : h('p', { class: 'muted', id: 'no-results' }, '没有符合条件的检查记录'));
}

function withParam(q, k, v) { const p = new URLSearchParams(q); p.set(k, v); return p.toString(); }

// ---------- evidence and map ----------

function integrityBadge(ev) {
  const st = ev.integrity.status;
  return badge(label('integrity', st), 'integrity integrity-' + st);
}

function evidenceCard(ev, opts) {
  opts = opts || {};
  const img = h('img', { class: 'thumb', alt: label('kind', ev.kind), 'data-hash': ev.content_hash });
  const holder = h('button', { class: 'thumb-holder', type: 'button', title: '查看原件' }, img);
  if (ev.bytes_present && (ev.kind === 'photo' || ev.kind === 'signature')) {
    imageUrl(ev.content_hash, ev.kind === 'photo' ? 'thumbnail' : 'original').then((u) => { img.src = u; }).catch(() => { img.alt = '缩略图不可用'; });
    holder.addEventListener('click', () => openOriginal(ev));
  } else if (!ev.bytes_present) {
    holder.replaceChildren(h('div', { class: 'thumb-missing' }, '原件待上传'));
  } else {
    holder.replaceChildren(h('div', { class: 'thumb-missing' }, label('kind', ev.kind)));
    holder.addEventListener('click', () => download('/v1/evidence/' + ev.content_hash + '/original', ev.content_hash));
  }
  const gps = ev.gps;
  return h('div', { class: 'evidence', 'data-entry': ev.entry_hash },
    holder,
    h('div', { class: 'ev-meta' },
      h('div', {}, integrityBadge(ev), ' ', label('kind', ev.kind), ev.item_id ? ' · 清单项 ' + ev.item_id : '',
        opts.pick ? h('label', { class: 'check' }, h('input', { type: 'checkbox', class: 'pick-evidence', value: ev.entry_hash }), '作为本步证据') : null),
      h('div', { class: 'small' }, '采集：', fmt(ev.captured_at_ms, true), ' · ', ev.officer, ev.cert_no ? '（' + ev.cert_no + '）' : ''),
      gps ? h('div', { class: 'small' }, '定位：', gps.lat.toFixed(6), ', ', gps.lon.toFixed(6), ' ±', Math.round(gps.accuracy_m), ' 米 · ', label('provider', gps.provider), gps.mock ? ' · 模拟定位' : '') : h('div', { class: 'small' }, '无定位'),
      ev.flags.length ? h('div', {}, ev.flags.map((f, i) => h('span', { class: 'badge amber', title: (ev.flag_labels || [])[i] || '' }, label('flag', f.flag)))) : null,
      h('details', { class: 'small' }, h('summary', {}, '完整性详情'),
        h('div', {}, '内容哈希 SHA-256：', h('code', {}, ev.content_hash)),
        h('div', {}, '签名条目：', h('code', {}, ev.entry_hash)),
        h('div', {}, '设备：', h('code', {}, ev.device_id), ' · 链序号 ', ev.chain_seq),
        h('div', {}, '大小：', ev.size, ' 字节 · ', ev.mime),
        ev.exif ? h('div', {}, '相机：', [ev.exif.make, ev.exif.model].filter(Boolean).join(' ') || '未知') : null,
        ev.integrity.problems.length ? h('ul', { class: 'problems' }, ev.integrity.problems.map((p) => h('li', {}, p))) : h('div', { class: 'ok' }, '哈希、签名、设备登记公钥、哈希链均校验通过'))));
}

async function openOriginal(ev) {
  const ov = document.getElementById('overlay');
  const img = h('img', { class: 'original', alt: '原件', id: 'original-image' });
  ov.replaceChildren(h('div', { class: 'overlay-inner' },
    h('div', { class: 'overlay-bar' }, '原件 · SHA-256 ', h('code', {}, ev.content_hash), ' ', h('button', { type: 'button', id: 'close-original', onclick: () => { ov.hidden = true; } }, '关闭')),
    img));
  ov.hidden = false;
  try { img.src = await imageUrl(ev.content_hash, 'original'); } catch (x) { img.alt = x.message; }
}

// Fixes drawn without map tiles: the jurisdiction's bounds as a frame, each fix as a dot
// with its accuracy circle to scale, the place as a square.
function gpsMap(bounds, points, place, title) {
  const W = 460;
  let [minLat, minLon, maxLat, maxLon] = bounds;
  const all = points.concat(place ? [place] : []);
  for (const p of all) {
    minLat = Math.min(minLat, p.lat); maxLat = Math.max(maxLat, p.lat);
    minLon = Math.min(minLon, p.lon); maxLon = Math.max(maxLon, p.lon);
  }
  const midLat = (minLat + maxLat) / 2;
  const mLon = 111320 * Math.cos(midLat * Math.PI / 180);
  const mLat = 110540;
  let spanX = (maxLon - minLon) * mLon; let spanY = (maxLat - minLat) * mLat;
  const pad = Math.max(spanX, spanY) * 0.06 + 20;
  minLon -= pad / mLon; maxLon += pad / mLon; minLat -= pad / mLat; maxLat += pad / mLat;
  spanX = (maxLon - minLon) * mLon; spanY = (maxLat - minLat) * mLat;
  const H = Math.max(180, Math.min(520, Math.round(W * spanY / spanX)));
  const sx = W / spanX; const sy = H / spanY;
  const X = (lon) => (lon - minLon) * mLon * sx;
  const Y = (lat) => H - (lat - minLat) * mLat * sy;
  const svg = s('svg', { viewBox: '0 0 ' + W + ' ' + (H + 28), width: W, height: H + 28, class: 'gpsmap', role: 'img' });
  svg.append(s('title', {}, title));
  svg.append(s('rect', { x: 0, y: 0, width: W, height: H, fill: '#f4f7f2', stroke: '#b8c2b0' }));
  const [bLat0, bLon0, bLat1, bLon1] = bounds;
  svg.append(s('rect', { x: X(bLon0), y: Y(bLat1), width: X(bLon1) - X(bLon0), height: Y(bLat0) - Y(bLat1), fill: 'none', stroke: '#5b7f3a', 'stroke-dasharray': '6 4', 'stroke-width': 1.5 }));
  if (place) {
    svg.append(s('rect', { x: X(place.lon) - 5, y: Y(place.lat) - 5, width: 10, height: 10, fill: '#1f5fa8', class: 'map-place' }));
    svg.append(s('text', { x: X(place.lon) + 8, y: Y(place.lat) + 4, 'font-size': 12, fill: '#1f5fa8' }, place.name || '场所'));
  }
  points.forEach((p, i) => {
    const r = Math.max(1, p.accuracy_m * sx);
    const inside = p.lat >= bLat0 && p.lat <= bLat1 && p.lon >= bLon0 && p.lon <= bLon1;
    svg.append(s('circle', { cx: X(p.lon), cy: Y(p.lat), r, fill: 'rgba(200,60,40,0.15)', stroke: 'rgba(200,60,40,0.6)' }));
    svg.append(s('circle', { cx: X(p.lon), cy: Y(p.lat), r: 4, fill: inside ? '#c83c28' : '#7a1fa8', class: 'map-fix' }));
    svg.append(s('text', { x: X(p.lon) + 6, y: Y(p.lat) - 6, 'font-size': 12, fill: '#222' }, String(i + 1)));
  });
  // A scale bar of a round length.
  const target = spanX / 4; const pow = Math.pow(10, Math.floor(Math.log10(target)));
  const len = [1, 2, 5, 10].map((m) => m * pow).filter((m) => m <= target).pop() || pow;
  const px = len * sx;
  svg.append(s('line', { x1: 10, y1: H + 14, x2: 10 + px, y2: H + 14, stroke: '#222', 'stroke-width': 2 }));
  svg.append(s('text', { x: 16 + px, y: H + 18, 'font-size': 12, fill: '#222' }, len >= 1000 ? (len / 1000) + ' 千米' : len + ' 米'));
  svg.append(s('text', { x: W - 6, y: H + 18, 'font-size': 11, fill: '#666', 'text-anchor': 'end' }, '虚线框：属地范围 · 红点：定位 · 圆：精度'));
  return svg;
}

function mapsFor(jurisdiction, evidence, placeObj) {
  const points = evidence.filter((e) => e.gps).map((e) => e.gps);
  const place = placeObj && placeObj.lat != null ? { lat: placeObj.lat, lon: placeObj.lon, name: placeObj.name } : null;
  const wrap = h('div', { class: 'maps', id: 'gps-maps' });
  const bounds = jurisdiction && jurisdiction.bounds;
  if (!points.length) wrap.append(h('p', { class: 'muted' }, '没有定位数据'));
  if (bounds) wrap.append(h('figure', {}, gpsMap(bounds, points, place, '属地范围内的定位'), h('figcaption', {}, jurisdiction.name + ' 范围')));
  if (points.length) {
    // A close-up around the fixes, at least 300 m across.
    const lat = points.map((p) => p.lat).concat(place ? [place.lat] : []);
    const lon = points.map((p) => p.lon).concat(place ? [place.lon] : []);
    const r = Math.max(150, ...points.map((p) => p.accuracy_m * 2));
    const dLat = r / 110540; const dLon = r / (111320 * Math.cos(lat[0] * Math.PI / 180));
    const near = [Math.min(...lat) - dLat, Math.min(...lon) - dLon, Math.max(...lat) + dLat, Math.max(...lon) + dLon];
    wrap.append(h('figure', {}, gpsMap(near, points, place, '现场放大'), h('figcaption', {}, '现场放大（虚线框为放大范围）')));
    wrap.append(table(['#', '纬度', '经度', '精度', '海拔', '来源', '定位时间'], points.map((p, i) => h('tr', {},
      h('td', {}, i + 1), h('td', {}, p.lat.toFixed(6)), h('td', {}, p.lon.toFixed(6)), h('td', {}, '±' + p.accuracy_m + ' 米'),
      h('td', {}, p.altitude_m != null ? p.altitude_m + ' 米' : ''), h('td', {}, label('provider', p.provider) + (p.mock ? '（模拟）' : '')), h('td', {}, fmt(p.fix_time_ms, true))))));
  }
  return wrap;
}

function auditTable(audit) {
  return h('details', { class: 'audit' }, h('summary', {}, '修改记录（', audit.length, ' 条）'),
    table(['时间', '人员', '执法证号', '设备', '字段', '原值', '新值'], audit.map((a) => h('tr', {},
      h('td', {}, fmt(a.at_ms, true)), h('td', {}, a.officer), h('td', {}, a.cert_no), h('td', {}, h('code', {}, a.device_id.slice(0, 8))),
      h('td', {}, a.field), h('td', { class: 'val' }, a.old || ''), h('td', { class: 'val' }, a.new || '')))));
}

// ---------- inspection detail ----------

async function inspectionPage(id) {
  frame('inspections');
  show(h('p', { class: 'muted' }, '正在加载…'));
  let d;
  try { d = await api('/v1/console/inspections/' + encodeURIComponent(id)); } catch (x) { show(h('p', { class: 'msg err' }, x.message)); return; }
  const head = h('section', { class: 'card' },
    h('h1', { id: 'inspection-title' }, d.place ? d.place.name : '检查记录', ' ', badge(label('shift', d.shift)), badge(label('mode', d.mode)), badge(label('approach', d.approach))),
    h('div', { class: 'kv' },
      h('div', {}, '编号：', h('code', {}, d.id)),
      h('div', {}, '属地：', d.jurisdiction_path),
      d.place ? h('div', {}, '地址：', d.place.address, d.place.owner ? ' · 产权/管理：' + d.place.owner : '') : null,
      d.ledger ? h('div', {}, '台账对象：', d.ledger.name, '（', label('category', d.ledger.category), '）') : null,
      h('div', {}, '时间：', fmt(d.started_at_ms), ' — ', d.ended_at_ms ? fmt(d.ended_at_ms) : '进行中'),
      h('div', {}, '检查组：', d.team.map((o) => o.name + '（' + o.department + (o.cert_no ? ' ' + o.cert_no : '') + '）').join('、')),
      h('div', {}, '结论：', badge(label('conclusion', d.conclusion || 'none'), 'c-' + (d.conclusion || 'none')),
        ' 审核：', h('span', { id: 'review-status' }, d.review ? label('review', d.review) : '未审核'), d.review_reason ? '（' + d.review_reason + '）' : '')));

  const actionMsg = h('p', { class: 'msg', id: 'action-msg' });
  const reason = h('textarea', { id: 'reinspect-reason', rows: 2, placeholder: '复查原因（必填）' });
  const summary = h('input', { id: 'case-summary', value: (d.place ? d.place.name + '：' : '') + (d.findings[0] ? d.findings[0].text : '检查发现疑似违规') });
  const days = h('input', { id: 'case-deadline-days', type: 'number', min: 1, max: 90, value: 15 });
  const act = async (path, body, done) => {
    try {
      await api(path, { json: body });
      await inspectionPage(id);
      msg(document.getElementById('action-msg'), done, true);
    } catch (x) { msg(actionMsg, '操作失败：' + x.message); }
  };
  const actions = section('审核与处置',
    h('div', { class: 'row' },
      h('button', { id: 'approve', type: 'button', onclick: () => act('/v1/decisions/inspections/' + id + '/review', { decision: 'approved' }, '已审核通过，将在下次同步时送达执法人员设备') }, '审核通过')),
    h('div', { class: 'row' }, reason,
      h('button', { id: 'reinspect', type: 'button', class: 'warn', onclick: () => {
        if (!reason.value.trim()) { msg(actionMsg, '请填写复查原因'); return; }
        act('/v1/decisions/inspections/' + id + '/review', { decision: 'reinspection_requested', reason: reason.value.trim() }, '已要求复查，将在下次同步时送达执法人员设备');
      } }, '要求复查')),
    h('div', { class: 'row' }, field('案件摘要', summary), field('办理期限（天）', days),
      h('button', { id: 'open-case', type: 'button', onclick: async () => {
        try {
          const r = await api('/v1/decisions/inspections/' + id + '/case', { json: { summary: summary.value.trim(), deadline_ms: Date.now() + Number(days.value || 15) * dayMs } });
          location.hash = '#/cases/' + r.case_id;
        } catch (x) { msg(actionMsg, '立案失败：' + x.message); }
      } }, '立案')),
    d.cases.length ? h('div', {}, '已立案：', d.cases.map((c) => h('a', { href: '#/cases/' + c.id, class: 'case-link' }, c.summary, '（', label('state', c.state), '）'))) : null,
    actionMsg);

  const evById = Object.fromEntries(d.evidence.map((e) => [e.entry_hash, e]));
  const answers = section('检查清单（' + (d.template ? d.template.title + ' v' + d.template.version : '') + '）',
    table(['项', '检查内容', '回答', '笔录', '回答人', '时间', '证据'], d.items.map((it) => {
      const a = it.answer;
      return h('tr', { class: (a && a.value.type === 'yes' ? 'yes ' : '') + (it.conflict ? 'conflict' : ''), 'data-item': it.item_id },
        h('td', {}, it.item_id), h('td', {}, it.text, it.not_applicable ? h('div', { class: 'muted small' }, '不适用') : null),
        h('td', { class: 'answer' }, a ? answerText(a) : h('span', { class: 'muted' }, '未答'), it.conflict ? h('div', { class: 'conflict-values' }, '冲突：', conflictText(it.conflict)) : null),
        h('td', {}, a ? a.note : ''),
        h('td', {}, a ? a.answered_by.name + '（' + a.answered_by.department + (a.answered_by.cert_no ? ' ' + a.answered_by.cert_no : '') + '）' : ''),
        h('td', {}, a ? fmt(a.answered_at_ms) : ''),
        h('td', {}, it.evidence.map((e) => evById[e] ? integrityBadge(evById[e]) : null)));
    })));
  const findings = section('发现问题', d.findings.length
    ? h('ul', { id: 'findings' }, d.findings.map((f) => h('li', {}, f.text, h('span', { class: 'muted small' }, ' — ', f.by, ' ', fmt(f.at_ms)))))
    : h('p', { class: 'muted' }, '无'));
  const conflicts = d.conflicts.length ? section('冲突（多人同时修改，待后续编辑确认）', h('ul', { id: 'conflicts' }, d.conflicts.map((c) => h('li', {}, c.field, '：', conflictText(c.values))))) : null;
  const evidence = section('证据（' + d.evidence.length + '）', d.evidence.length
    ? h('div', { class: 'evidence-list', id: 'evidence-list' }, d.evidence.map((e) => evidenceCard(e)))
    : h('p', { class: 'muted' }, '无证据'));
  const maps = section('定位', mapsFor(d.jurisdiction, d.evidence, d.place));
  show(h('p', {}, h('a', { href: '#/inspections' }, '← 返回列表')), head, actions, answers, findings, conflicts, evidence, maps, section('修改记录', auditTable(d.audit)));
}

// ---------- cases ----------

async function casesPage() {
  frame('cases');
  const q = query();
  const form = h('form', { class: 'filters card', id: 'case-filters' },
    field('属地', h('select', { id: 'c-node' }, nodeOptions(q.get('node') || '', true))),
    field('关键词', h('input', { id: 'c-q', type: 'search', value: q.get('q') || '' })),
    h('label', { class: 'check' }, h('input', { id: 'c-overdue', type: 'checkbox', checked: q.get('overdue') === '1' }), '只看逾期'),
    h('div', { class: 'buttons' }, h('button', { type: 'submit' }, '筛选'),
      h('button', { type: 'button', class: 'secondary', id: 'export-cases', onclick: () => download('/v1/console/cases.csv?' + params().toString(), 'cases.csv') }, '导出CSV')));
  function params() {
    const p = new URLSearchParams();
    if (document.getElementById('c-node').value) p.set('node', document.getElementById('c-node').value);
    if (document.getElementById('c-q').value.trim()) p.set('q', document.getElementById('c-q').value.trim());
    if (document.getElementById('c-overdue').checked) p.set('overdue', '1');
    return p;
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); location.hash = '#/cases?' + params().toString(); });
  const board = h('div', { class: 'board', id: 'case-board' }, h('p', { class: 'muted' }, '正在加载…'));
  show(h('h1', {}, '线索与案件（全流程闭环）'), form, board);
  let d;
  try { d = await api('/v1/console/cases?' + q.toString()); } catch (x) { board.replaceChildren(h('p', { class: 'msg err' }, x.message)); return; }
  board.replaceChildren(...d.columns.map((col) => h('div', { class: 'column', 'data-state': col.state },
    h('h3', {}, label('state', col.state), ' ', h('span', { class: 'muted' }, col.cases.length)),
    col.cases.map((c) => h('a', { href: '#/cases/' + c.id, class: 'case-card' + (c.overdue ? ' overdue' : c.due_soon ? ' due-soon' : ''), 'data-id': c.id },
      h('div', { class: 'case-summary' }, c.summary),
      h('div', { class: 'small muted' }, label('source', c.source), ' · ', c.jurisdiction),
      h('div', { class: 'small' }, c.department ? '承办：' + c.department : '未分派'),
      c.deadline_ms ? h('div', { class: 'small deadline' }, (c.overdue ? '已逾期 ' : '期限 ') + fmt(c.deadline_ms)) : null)))));
  board.before(h('p', { id: 'case-stats' }, '共 ', d.total, ' 件，逾期 ', h('strong', { class: d.overdue ? 'red-text' : '' }, d.overdue), ' 件'));
}

async function casePage(id) {
  frame('cases');
  show(h('p', { class: 'muted' }, '正在加载…'));
  let d;
  try { d = await api('/v1/console/cases/' + encodeURIComponent(id)); } catch (x) { show(h('p', { class: 'msg err' }, x.message)); return; }
  const actionMsg = h('p', { class: 'msg', id: 'case-msg' });
  const reload = async (text) => { await casePage(id); msg(document.getElementById('case-msg'), text, true); };
  const head = h('section', { class: 'card' + (d.overdue ? ' overdue' : '') },
    h('h1', { id: 'case-title' }, d.summary),
    h('div', { class: 'kv' },
      h('div', {}, '编号：', h('code', {}, d.id)),
      h('div', {}, '来源：', label('source', d.source), ' · 属地：', d.jurisdiction),
      h('div', {}, '状态：', badge(label('state', d.state), 'state', ), d.overdue ? badge('已逾期', 'red') : null),
      h('div', { id: 'case-dept' }, '承办部门：', d.department || '未分派', ' · 期限：', d.deadline_ms ? fmt(d.deadline_ms) : '未设'),
      d.inspection ? h('div', {}, '关联检查：', h('a', { href: '#/inspections/' + d.inspection.id }, (d.inspection.place || '检查') + ' ' + fmt(d.inspection.started_at_ms)), ' · ', label('conclusion', d.inspection.conclusion || 'none')) : null),
    h('button', { id: 'export-package', type: 'button', onclick: async () => {
      try {
        const name = 'evidence-' + id + '.zip';
        await download('/v1/console/cases/' + id + '/package.zip', name);
        const key = await api('/v1/console/deployment-key');
        msg(actionMsg, '证据包已导出。离线验证：xuncha-verify --deployment-key ' + key.public_key + ' ' + name + '（部署公钥指纹 SHA-256 ' + key.fingerprint_sha256 + '）', true);
      } catch (x) { msg(actionMsg, '导出失败：' + x.message); }
    } }, '导出证据包'));

  const steps = section('办理过程', d.steps.length ? h('ol', { class: 'timeline', id: 'case-steps' }, d.steps.map((st) => h('li', {},
    h('strong', {}, label('state', st.from), ' → ', label('state', st.to)), ' ', fmt(st.at_ms),
    h('div', { class: 'small' }, '办理人：', st.by, st.department ? ' · 部门：' + st.department : '', st.deadline_ms ? ' · 期限：' + fmt(st.deadline_ms) : ''),
    st.note ? h('div', { class: 'note' }, st.note) : null,
    st.evidence.length ? h('div', { class: 'small' }, '证据：', st.evidence.map((e) => h('code', {}, shortHash(e) + ' '))) : null))) : h('p', { class: 'muted' }, '尚无办理记录'));

  const dept = h('input', { id: 'assign-dept', placeholder: '如：市场监管局', value: d.department || '' });
  const deptDays = h('input', { id: 'assign-days', type: 'number', min: 1, max: 90, placeholder: '天' });
  const assign = h('div', { class: 'row' }, field('分派承办部门', dept), field('期限（天，可选）', deptDays),
    h('button', { id: 'assign-submit', type: 'button', onclick: async () => {
      try {
        await api('/v1/decisions/cases/' + id + '/assign', { json: { department: dept.value.trim(), deadline_ms: deptDays.value ? Date.now() + Number(deptDays.value) * dayMs : null } });
        await reload('已分派');
      } catch (x) { msg(actionMsg, '分派失败：' + x.message); }
    } }, '分派'));

  let stepForm = h('p', { class: 'muted' }, '本案已办结');
  if (d.allowed_next.length) {
    const to = h('select', { id: 'step-to' }, d.allowed_next.map((x) => h('option', { value: x }, label('state', x))));
    const note = h('textarea', { id: 'step-note', rows: 2, placeholder: '办理意见；结果反馈时填写反馈给举报人的内容' });
    const sdept = h('input', { id: 'step-dept', value: d.department || '' });
    const sdays = h('input', { id: 'step-days', type: 'number', min: 1, max: 90, placeholder: '天' });
    stepForm = h('div', {},
      h('div', { class: 'row' }, field('下一步', to), field('部门', sdept), field('下一步期限（天，可选）', sdays)),
      h('div', { class: 'row' }, note),
      h('p', { class: 'small muted' }, '在下方证据中勾选"作为本步证据"可随本步记录。'),
      h('button', { id: 'step-submit', type: 'button', onclick: async () => {
        const evidence = [...document.querySelectorAll('.pick-evidence:checked')].map((c) => c.value);
        try {
          await api('/v1/console/cases/' + id + '/step', { json: { to: to.value, department: sdept.value.trim(), note: note.value.trim(), deadline_ms: sdays.value ? Date.now() + Number(sdays.value) * dayMs : null, evidence } });
          await reload('已记录：' + label('state', to.value));
        } catch (x) { msg(actionMsg, '办理失败：' + x.message); }
      } }, '记录本步'));
  }
  const actions = section('办理', assign, stepForm, actionMsg);
  const evidence = section('证据（本案及关联检查，' + d.evidence.length + '）', d.evidence.length
    ? h('div', { class: 'evidence-list' }, d.evidence.map((e) => evidenceCard(e, { pick: d.allowed_next.length > 0 })))
    : h('p', { class: 'muted' }, '无证据'));
  show(h('p', {}, h('a', { href: '#/cases' }, '← 返回案件看板')), head, actions, steps, evidence, section('修改记录', auditTable(d.audit)));
}

// ---------- ledger ----------

async function ledgerPage() {
  frame('ledger');
  const q = query();
  const form = h('form', { class: 'filters card' },
    field('属地', h('select', { id: 'l-node' }, nodeOptions(q.get('node') || '', true))),
    field('状态', select('l-status', 'ledgerStatus', q.get('status') || '')),
    field('类别', select('l-category', 'category', q.get('category') || '')),
    field('关键词', h('input', { id: 'l-q', type: 'search', value: q.get('q') || '' })),
    h('div', { class: 'buttons' }, h('button', { type: 'submit' }, '筛选')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const [k, id] of [['node', 'l-node'], ['status', 'l-status'], ['category', 'l-category'], ['q', 'l-q']]) { const v = document.getElementById(id).value.trim(); if (v) p.set(k, v); }
    location.hash = '#/ledger?' + p.toString();
  });
  const list = h('div', { id: 'ledger-list' }, h('p', { class: 'muted' }, '正在加载…'));
  show(h('h1', {}, '重点机构和个人台账'), form, list);
  let d;
  try { d = await api('/v1/console/ledger?' + q.toString()); } catch (x) { list.replaceChildren(h('p', { class: 'msg err' }, x.message)); return; }
  const rows = d.entries.map((e) => {
    const reason = h('input', { placeholder: e.status === 'in' ? '出账原因' : '入账原因', class: 'move-reason' });
    const m = h('span', { class: 'msg' });
    const to = e.status === 'in' ? 'out' : 'in';
    return h('tr', { 'data-id': e.id },
      h('td', {}, e.name, h('div', { class: 'small muted' }, e.address)),
      h('td', {}, label('category', e.category)),
      h('td', {}, e.jurisdiction),
      h('td', {}, badge(label('ledgerStatus', e.status), e.status === 'in' ? 'red' : 'grey')),
      h('td', {}, h('ul', { class: 'history' }, e.history.map((mv) => h('li', {}, fmt(mv.at_ms), ' ', mv.status === 'in' ? '入账' : '出账', '：', mv.reason, h('span', { class: 'muted' }, '（', mv.by, '）'))))),
      h('td', {}, reason, h('button', { type: 'button', class: 'secondary', onclick: async () => {
        if (!reason.value.trim()) { msg(m, '请填写原因'); return; }
        try { await api('/v1/console/ledger/' + e.id + '/move', { json: { status: to, reason: reason.value.trim() } }); ledgerPage(); } catch (x) { msg(m, x.message); }
      } }, to === 'out' ? '出账' : '重新入账'), m));
  });
  list.replaceChildren(h('p', {}, '共 ', d.total, ' 条'), table(['名称 / 地址', '类别', '属地', '状态', '入账出账记录', '操作'], rows));
}

// ---------- patrols ----------

async function patrolsPage() {
  frame('patrols');
  const q = query();
  const form = h('form', { class: 'filters card' },
    field('属地', h('select', { id: 'p-node' }, nodeOptions(q.get('node') || '', true))),
    field('周数', h('input', { id: 'p-weeks', type: 'number', min: 1, max: 52, value: q.get('weeks') || 8 })),
    h('div', { class: 'buttons' }, h('button', { type: 'submit' }, '查看')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    if (document.getElementById('p-node').value) p.set('node', document.getElementById('p-node').value);
    p.set('weeks', document.getElementById('p-weeks').value || '8');
    location.hash = '#/patrols?' + p.toString();
  });
  const out = h('div', { id: 'patrol-coverage' }, h('p', { class: 'muted' }, '正在加载…'));
  show(h('h1', {}, '网格巡查覆盖（每周巡查次数）'), form, out);
  let d;
  try { d = await api('/v1/console/patrols?' + q.toString()); } catch (x) { out.replaceChildren(h('p', { class: 'msg err' }, x.message)); return; }
  const grid = table(['网格'].concat(d.weeks.map((w) => w.slice(5) + '周')).concat(['合计', '未发现问题', '线索/问题', '最近巡查']),
    d.grids.map((g) => h('tr', { class: g.total ? '' : 'unpatrolled', 'data-grid': g.grid_id },
      h('td', {}, g.grid),
      g.per_week.map((n) => h('td', { class: 'num ' + (n ? 'covered' : 'zero') }, n)),
      h('td', { class: 'num' }, g.total), h('td', { class: 'num' }, g.nothing_found), h('td', { class: 'num' }, g.lead_raised + g.issue_found),
      h('td', {}, g.last_patrol_ms ? fmt(g.last_patrol_ms) : '—'))), 'grid coverage');
  out.replaceChildren(
    section('未巡查的网格（' + d.not_patrolled.length + '）', d.not_patrolled.length
      ? h('ul', { id: 'not-patrolled' }, d.not_patrolled.map((g) => h('li', { class: 'red-text' }, g.name)))
      : h('p', { class: 'ok' }, '所选期间内每个网格都有巡查')),
    section('每周巡查次数', grid),
    section('最近巡查', table(['时间', '网格', '巡查人', '结果', '轨迹点'], d.recent.map((p) => h('tr', {},
      h('td', {}, fmt(p.started_at_ms)), h('td', {}, p.grid), h('td', {}, p.officer), h('td', {}, p.result ? label('patrol', p.result) : '进行中'), h('td', { class: 'num' }, p.points))))));
}

// ---------- quarterly report ----------

async function reportPage() {
  frame('report');
  const q = query();
  const now = new Date();
  const year = q.get('year') || now.getFullYear();
  const quarter = q.get('quarter') || Math.floor(now.getMonth() / 3) + 1;
  const form = h('form', { class: 'filters card noprint' },
    field('年份', h('input', { id: 'r-year', type: 'number', min: 2000, max: 2100, value: year })),
    field('季度', h('select', { id: 'r-quarter' }, [1, 2, 3, 4].map((n) => h('option', { value: n, selected: String(n) === String(quarter) }, '第' + '一二三四'[n - 1] + '季度')))),
    field('属地', h('select', { id: 'r-node' }, nodeOptions(q.get('node') || '', true))),
    h('div', { class: 'buttons' }, h('button', { type: 'submit' }, '生成'), h('button', { type: 'button', class: 'secondary', id: 'print-report', onclick: () => window.print() }, '打印')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = new URLSearchParams({ year: document.getElementById('r-year').value, quarter: document.getElementById('r-quarter').value });
    if (document.getElementById('r-node').value) p.set('node', document.getElementById('r-node').value);
    location.hash = '#/report?' + p.toString();
  });
  const out = h('div', { id: 'report' }, h('p', { class: 'muted' }, '正在生成…'));
  show(form, out);
  const p = new URLSearchParams(q); p.set('year', year); p.set('quarter', quarter);
  let d;
  try { d = await api('/v1/console/report?' + p.toString()); } catch (x) { out.replaceChildren(h('p', { class: 'msg err' }, x.message)); return; }
  const count = (m, table2) => Object.entries(m).map(([k, n]) => label(table2, k) + ' ' + n).join('，') || '0';
  out.replaceChildren(
    h('h1', { class: 'report-title' }, d.node_name, ' ', d.year, ' 年第', '一二三四'[d.quarter - 1], '季度隐形变异学科类培训治理情况及典型案例'),
    h('p', { class: 'muted' }, '统计期间：', d.from, ' 至 ', d.to),
    section('一、工作开展情况',
      h('ul', {},
        h('li', {}, '开展检查 ', h('strong', {}, d.inspections.total), ' 次（', count(d.inspections.by_shift, 'shift'), '；', count(d.inspections.by_mode, 'mode'), '），参与部门：', d.inspections.departments.join('、') || '无'),
        h('li', {}, '检查结论：', count(d.inspections.by_conclusion, 'conclusion'), '；发现违规项 ', d.inspections.violations, ' 项'),
        h('li', {}, '网格巡查 ', h('strong', {}, d.patrols.total), ' 次，其中未发现问题 ', d.patrols.nothing_found, ' 次，发现线索 ', d.patrols.lead_raised, ' 次，发现问题 ', d.patrols.issue_found, ' 次'),
        h('li', {}, '新立线索/案件 ', d.cases.opened, ' 件，作出处理决定 ', d.cases.decided, ' 件，办结 ', d.cases.closed, ' 件'))),
    section('二、典型案例', h('p', { class: 'small muted noprint' }, '勾选需要公开曝光的案例，未勾选的不打印。'),
      d.typical_cases.length ? h('ol', { class: 'typical', id: 'typical-cases' }, d.typical_cases.map((c) => {
        const item = h('li', { class: 'typical-case' },
          h('label', { class: 'check noprint' }, h('input', { type: 'checkbox', checked: true, onchange: (e) => item.classList.toggle('excluded', !e.target.checked) }), '列入公开'),
          h('h3', {}, c.summary),
          h('p', {}, '属地：', c.jurisdiction, c.place ? ' · 场所：' + c.place : '', ' · 来源：', label('source', c.source), c.department ? ' · 承办部门：' + c.department : ''),
          c.findings.length ? h('p', {}, '查明情况：', c.findings.join('；')) : null,
          h('p', {}, '处理决定：', c.decision || '（见案卷）', h('span', { class: 'muted' }, '（', fmt(c.decided_at_ms), '）')));
        return item;
      })) : h('p', { class: 'muted' }, '本季度没有作出处理决定的案件')));
}

// ---------- router ----------

async function route() {
  const hash = location.hash || '#/inspections';
  const path = hash.slice(1).split('?')[0];
  if (!session) { loginPage(); return; }
  if (!meta) {
    try { meta = await api('/v1/console/meta'); } catch (x) {
      if (x.status === 403) { session = null; sessionStorage.removeItem('xuncha.session'); loginPage(); msg(document.getElementById('login-msg'), '该账号无权使用督导台'); return; }
      show(h('p', { class: 'msg err' }, '加载失败：' + x.message)); return;
    }
  }
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'inspections' && parts[1]) return inspectionPage(decodeURIComponent(parts[1]));
  if (parts[0] === 'cases' && parts[1]) return casePage(decodeURIComponent(parts[1]));
  if (parts[0] === 'cases') return casesPage();
  if (parts[0] === 'ledger') return ledgerPage();
  if (parts[0] === 'patrols') return patrolsPage();
  if (parts[0] === 'report') return reportPage();
  if (parts[0] === 'login') { location.hash = '#/inspections'; return undefined; }
  return inspectionsPage();
}

window.addEventListener('hashchange', route);
document.addEventListener('keydown', (e) => { if (e.key === 'Escape') document.getElementById('overlay').hidden = true; });
route();
