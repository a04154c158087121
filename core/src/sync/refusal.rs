//! Why changes from elsewhere are refused: a typed code with a stable wire name and the Chinese
//! sentence an officer reads on the phone (and a supervisor in the console).

use super::transition::{MAX_CHANGE_BYTES, MAX_DOCUMENT_BYTES};
use crate::model::wire_enum;

wire_enum!(
    /// Stable codes of a refused record; they travel in `RefusedRecord.code`.
    RefusalCode {
        ForgedAuthor = "forged_author",
        JurisdictionChanged = "jurisdiction_changed",
        TeamMemberRemoved = "team_member_removed",
        KindChanged = "kind_changed",
        IdCollision = "id_collision",
        MissingDependencies = "missing_dependencies",
        ChangeTooLarge = "change_too_large",
        DocumentTooLarge = "document_too_large",
        Forbidden = "forbidden",
        BadChange = "bad_change",
    }
);

impl RefusalCode {
    /// What is wrong with the record, in Chinese, without the record's id.
    pub fn message_zh(self) -> String {
        match self {
            RefusalCode::ForgedAuthor => "修改的署名不是推送者本人，也没有署名设备的有效签名（伪造作者）".into(),
            RefusalCode::JurisdictionChanged => "只有同时管辖原辖区和新辖区的督导员才能变更记录的辖区".into(),
            RefusalCode::TeamMemberRemoved => "只有管辖该记录的督导员才能移除检查组成员".into(),
            RefusalCode::KindChanged => "记录的类型不能更改".into(),
            RefusalCode::IdCollision => "该记录编号已被另一条记录使用（编号冲突）".into(),
            RefusalCode::MissingDependencies => "修改所依赖的先前修改缺失，请先同步完整记录".into(),
            RefusalCode::ChangeTooLarge => format!("单次修改超过大小上限（{MAX_CHANGE_BYTES} 字节）"),
            RefusalCode::DocumentTooLarge => format!("记录超过大小上限（{MAX_DOCUMENT_BYTES} 字节）"),
            RefusalCode::Forbidden => "记录不在您的辖区或权限范围内".into(),
            RefusalCode::BadChange => "修改无法解码".into(),
        }
    }
}

/// Why a batch of changes is refused: a stable code and what is wrong (English, for logs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: RefusalCode,
    pub why: String,
}

impl Refusal {
    pub fn new(code: RefusalCode, why: impl Into<String>) -> Self {
        Refusal { code, why: why.into() }
    }

    /// The sentence a phone or the console shows for `doc`.
    pub fn message_zh(&self, doc: &str) -> String {
        format!("记录 {doc}：{}。", self.code.message_zh())
    }
}
