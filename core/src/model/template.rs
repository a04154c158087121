use super::{PlaceType, Shift, wire_enum};
use serde::{Deserialize, Serialize};

wire_enum!(
    /// What kind of answer a checklist item takes.
    AnswerType { YesNo = "yes_no", Count = "count", Text = "text" }
);

/// A versioned checklist (检查清单). A version is immutable once published: inspections name
/// the exact version they were answered against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct ChecklistTemplate {
    pub id: String,
    pub version: u32,
    pub title: String,
    /// Evidence whose GPS accuracy is worse than this is flagged (not refused).
    pub gps_accuracy_limit_m: f64,
    pub items: Vec<ChecklistItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct ChecklistItem {
    pub id: String,
    /// The question as officers read it, in Chinese.
    pub text: String,
    pub answer_type: AnswerType,
    /// Only asked on checks of this shift (for example night-only items).
    #[serde(default)]
    pub only_shift: Option<Shift>,
    /// Only asked at these place types; empty means every place.
    #[serde(default)]
    pub place_types: Vec<PlaceType>,
}

impl ChecklistTemplate {
    pub fn item(&self, id: &str) -> Option<&ChecklistItem> {
        self.items.iter().find(|i| i.id == id)
    }
}

impl ChecklistItem {
    /// Why this item does not apply to a check of `shift` at a place of `place_type`, if it does
    /// not (Chinese: the officer reads it).
    pub fn not_applicable_because(&self, shift: Shift, place_type: Option<PlaceType>) -> Option<String> {
        if let Some(only) = self.only_shift
            && only != shift
        {
            return Some(format!("该项仅在{}时检查，本次是{}", only.label_zh(), shift.label_zh()));
        }
        if !self.place_types.is_empty() {
            match place_type {
                Some(pt) if self.place_types.contains(&pt) => {}
                Some(pt) => return Some(format!("该项不适用于{}", pt.label_zh())),
                None => {
                    return Some("该项只在特定类型的场所检查，本次检查未选定场所".into());
                }
            }
        }
        None
    }
}
