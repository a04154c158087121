//! What an officer or a supervisor reads for each error: Chinese, saying what to do next. The
//! English `Display` stays for logs; no library's text reaches these messages.

use super::Error;

impl Error {
    /// What a screen shows: the Chinese message with the stable code in brackets, for the
    /// help desk.
    pub fn message_with_code(&self) -> String {
        format!("{} ({})", self.message_zh(), self.code())
    }

    /// The Chinese message for screens. Ids of records and items are kept so the officer can
    /// find the record; nothing else from the English detail is shown.
    pub fn message_zh(&self) -> String {
        match self {
            Error::Sqlite(e) if is_disk_full_sqlite(e) => DISK_FULL.into(),
            Error::Io(e) if e.kind() == std::io::ErrorKind::StorageFull => DISK_FULL.into(),
            Error::Sqlite(_) | Error::Io(_) => {
                "本机存储读写出错，本次操作未保存，请重试；如反复出现请联系管理员".into()
            }
            Error::Document(_) | Error::CorruptChanges(_) => {
                "数据已损坏，无法读取，未保存任何内容；请重新同步，如反复出现请联系管理员".into()
            }
            Error::NotFound { kind, id } => format!("找不到{} {id}", thing_zh(kind)),
            Error::UnknownTemplate { id, version } => {
                format!("本机没有检查表 {id}（第 {version} 版），请先同步后再试")
            }
            Error::UnknownItem { item, template, version } => {
                format!("检查项 {item} 不在检查表 {template}（第 {version} 版）中")
            }
            Error::WrongAnswerType { item, expected, .. } => {
                format!("检查项 {item} 应填写{}", answer_type_zh(expected))
            }
            Error::ItemNotApplicable { item, why } => format!("检查项 {item} 不适用于本次检查：{why}"),
            Error::IllegalTransition { from, to, .. } => {
                let label = |s: &str| crate::CaseState::parse(s).map_or("未知环节", crate::CaseState::label_zh);
                let next: Vec<&str> = crate::CaseState::parse(from)
                    .map(|s| s.allowed_next().iter().map(|n| n.label_zh()).collect())
                    .unwrap_or_default();
                if next.is_empty() {
                    format!("案件已处于“{}”环节，不能再转到“{}”", label(from), label(to))
                } else {
                    format!(
                        "案件处于“{}”环节，不能直接转到“{}”，下一步只能是：{}",
                        label(from),
                        label(to),
                        next.join("、")
                    )
                }
            }
            Error::NotReady(problems) => format!("检查还不能下结论：{problems}"),
            Error::ChangeRefused { doc_id, code, .. } => format!("记录 {doc_id} 的修改未被接受：{}", code.message_zh()),
            Error::RoleForbidden { role, kind } => {
                format!("{}不能办理{}，请由有相应职责的人员处理", role.label_zh(), kind.label_zh())
            }
            Error::NotSignedIn => "本机尚未登录检查人员，请先登录".into(),
            Error::Invalid { why, .. } => why.clone(),
            Error::Network(_) => {
                "无法连接服务器（网络不通或服务器无响应）。数据都已保存在本机，恢复网络后再同步即可".into()
            }
            Error::Refused { status, message, .. } => refused_zh(*status, message),
            Error::NotEnrolled => "本机尚未登记到服务器，请向管理员索取登记码完成登记".into(),
            Error::KeyStore { why } => format!("{why}，本次操作未保存，请重试；如反复出现请联系管理员"),
            Error::SchemaTooNew { .. } => "本机数据由更新版本的应用写入，请先把应用升级到最新版本".into(),
            Error::StoreKeyWrong => "存储密钥不正确，无法打开本机数据".into(),
            Error::AppLocked => "应用已锁定，请输入 PIN 码或使用生物识别解锁".into(),
            Error::PinWrong { wait_ms } if *wait_ms > 0 => format!("PIN 码不正确，请 {} 秒后再试", seconds(*wait_ms)),
            Error::PinWrong { .. } => "PIN 码不正确".into(),
            Error::PinBackoff { wait_ms } => format!("PIN 码错误次数过多，请 {} 秒后再试", seconds(*wait_ms)),
            Error::DeviceRevoked => "本机已被管理员停用，本机数据已清除。如需继续使用，请联系管理员重新登记本机".into(),
        }
    }
}

const DISK_FULL: &str = "手机存储空间已满，本次操作未保存；请清理空间后重试";

fn is_disk_full_sqlite(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DiskFull))
}

fn seconds(ms: i64) -> i64 {
    (ms + 999) / 1000
}

/// The server's own message when it is written for people (Chinese); otherwise what its
/// status means.
fn refused_zh(status: u16, message: &str) -> String {
    if message.chars().any(is_han) {
        return message.to_owned();
    }
    match status {
        401 => "服务器不再认可本机的登录凭证，请重新登记本机".into(),
        403 => "服务器拒绝了此操作：不在您的辖区或权限范围内".into(),
        413 => "发送的数据超过服务器的大小上限".into(),
        429 => "请求过于频繁，请稍后再同步".into(),
        500.. => "服务器暂时出错，数据都已保存在本机，稍后再同步即可".into(),
        _ => format!("服务器拒绝了请求（状态 {status}）"),
    }
}

/// A CJK unified ideograph: what tells a message written for Chinese readers.
pub fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// Chinese names of the things `Error::NotFound` names.
fn thing_zh(kind: &str) -> &'static str {
    match kind {
        "checklist template" => "检查表",
        "jurisdiction" => "辖区",
        "inspection" => "检查记录",
        "patrol" => "巡查记录",
        "case" => "案件线索",
        "ledger entry" => "台账条目",
        "place" => "场所",
        "evidence bytes" | "photo bytes" => "证据文件",
        "evidence item" | "evidence item to correct" | "evidence metadata" => "证据",
        _ => "记录",
    }
}

fn answer_type_zh(expected: &str) -> &'static str {
    match expected {
        "a count" => "数量",
        "text" => "文字",
        _ => "“是 / 否 / 不适用”",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::RefusalCode;
    use crate::{RecordKind, Role};

    /// One of every variant; the match makes a new variant fail to compile until it is here.
    fn every_variant() -> Vec<Error> {
        let sqlite = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL), None);
        let doc = automerge::AutomergeError::InvalidObjId("bad object id 3@abc".into());
        let all = vec![
            Error::Sqlite(sqlite),
            Error::Sqlite(rusqlite::Error::QueryReturnedNoRows),
            Error::Io(std::io::Error::new(std::io::ErrorKind::StorageFull, "No space left on device")),
            Error::Io(std::io::Error::new(std::io::ErrorKind::PermissionDenied, "Permission denied (os error 13)")),
            Error::Document(doc),
            Error::NotFound { kind: "inspection", id: "insp-1".into() },
            Error::UnknownTemplate { id: "tpl-1".into(), version: 2 },
            Error::UnknownItem { item: "I01".into(), template: "tpl-1".into(), version: 2 },
            Error::WrongAnswerType { item: "I01".into(), expected: "a count", got: "text" },
            Error::ItemNotApplicable { item: "I01".into(), why: "仅在夜查时检查".into() },
            Error::IllegalTransition { from: "received", to: "closed", allowed: "verifying".into() },
            Error::IllegalTransition { from: "closed", to: "received", allowed: String::new() },
            Error::NotReady("检查项 I01 未作答".into()),
            Error::CorruptChanges("bundle is truncated".into()),
            Error::ChangeRefused { doc_id: "insp-1".into(), code: RefusalCode::ForgedAuthor, why: "no author".into() },
            Error::RoleForbidden { role: Role::GridCaptain, kind: RecordKind::Inspection },
            Error::NotSignedIn,
            Error::invalid("latitude", "纬度 91 超出 -90 到 90 的范围"),
            Error::Network("error sending request for url (https://x/v1/push): connection refused".into()),
            Error::Refused { status: 403, code: "forbidden".into(), message: "not in scope".into() },
            Error::Refused {
                status: 422, code: "invalid".into(), message: "记录 insp-1：记录超过大小上限".into()
            },
            Error::Refused { status: 503, code: "busy".into(), message: "Service Unavailable".into() },
            Error::NotEnrolled,
            Error::KeyStore { why: "设备密钥库未能签名".into() },
            Error::SchemaTooNew { found: 12, supported: 9 },
            Error::StoreKeyWrong,
            Error::AppLocked,
            Error::PinWrong { wait_ms: 0 },
            Error::PinWrong { wait_ms: 30_000 },
            Error::PinBackoff { wait_ms: 60_000 },
            Error::DeviceRevoked,
        ];
        for e in &all {
            match e {
                Error::Sqlite(_)
                | Error::Io(_)
                | Error::Document(_)
                | Error::NotFound { .. }
                | Error::UnknownTemplate { .. }
                | Error::UnknownItem { .. }
                | Error::WrongAnswerType { .. }
                | Error::ItemNotApplicable { .. }
                | Error::IllegalTransition { .. }
                | Error::NotReady(_)
                | Error::CorruptChanges(_)
                | Error::ChangeRefused { .. }
                | Error::RoleForbidden { .. }
                | Error::NotSignedIn
                | Error::Invalid { .. }
                | Error::Network(_)
                | Error::Refused { .. }
                | Error::NotEnrolled
                | Error::KeyStore { .. }
                | Error::SchemaTooNew { .. }
                | Error::StoreKeyWrong
                | Error::AppLocked
                | Error::PinWrong { .. }
                | Error::PinBackoff { .. }
                | Error::DeviceRevoked => {}
            }
        }
        all
    }

    /// Chinese, and no English word left once the ids the test itself chose are taken out.
    pub(crate) fn assert_chinese(message: &str) {
        assert!(message.chars().any(is_han), "no Chinese in {message:?}");
        let mut rest = message.to_owned();
        for id in ["insp-1", "tpl-1", "I01"] {
            rest = rest.replace(id, "");
        }
        let word = rest
            .split(|c: char| !c.is_ascii_alphabetic())
            .find(|w| w.len() >= 3 && !["PIN", "EXIF", "GPS", "JPEG", "PNG"].contains(w));
        assert_eq!(word, None, "English in {message:?}");
    }

    #[test]
    fn every_error_variant_has_a_chinese_message_and_a_stable_code() {
        for e in every_variant() {
            assert_chinese(&e.message_zh());
            assert!(!e.code().is_empty() && e.code().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
    }

    #[test]
    fn a_full_disk_says_so() {
        let full = &every_variant()[0];
        assert!(full.message_zh().contains("存储空间已满"), "{}", full.message_zh());
    }

    #[test]
    fn every_refusal_code_has_a_chinese_message() {
        for code in RefusalCode::ALL {
            assert_chinese(&code.message_zh());
        }
    }

    #[test]
    fn every_noun_that_can_be_missing_is_named_in_chinese() {
        for kind in RecordKind::ALL {
            assert_ne!(thing_zh(kind.noun()), "记录", "{kind:?}");
        }
    }
}
