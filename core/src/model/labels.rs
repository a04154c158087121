//! Chinese names of the domain's enums, as officers and supervisors read them (the console
//! uses the same words).

use super::{CaseState, LedgerStatus, Level, PlaceType, Shift};
use crate::EvidenceKind;

impl CaseState {
    pub fn label_zh(self) -> &'static str {
        match self {
            CaseState::Warning => "预警提示",
            CaseState::Received => "投诉接收",
            CaseState::Verifying => "核查",
            CaseState::Investigating => "联合取证查处",
            CaseState::Decided => "处理决定",
            CaseState::FeedbackGiven => "结果反馈",
            CaseState::Closed => "办结",
        }
    }
}

impl Shift {
    pub fn label_zh(self) -> &'static str {
        match self {
            Shift::Day => "日查",
            Shift::Night => "夜查",
        }
    }
}

impl PlaceType {
    pub fn label_zh(self) -> &'static str {
        match self {
            PlaceType::OfficeBuilding => "写字楼",
            PlaceType::Residential => "居民小区",
            PlaceType::RentedHousing => "出租房",
            PlaceType::Hotel => "宾馆酒店",
            PlaceType::Cafe => "咖啡厅",
            PlaceType::Childcare => "托管托育场所",
        }
    }
}

impl Level {
    pub fn label_zh(self) -> &'static str {
        match self {
            Level::City => "市",
            Level::County => "县/区",
            Level::Township => "乡镇/街道",
            Level::Community => "社区/村",
            Level::Grid => "网格",
        }
    }
}

impl LedgerStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            LedgerStatus::In => "在账",
            LedgerStatus::Out => "出账",
        }
    }
}

impl EvidenceKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            EvidenceKind::Photo => "照片",
            EvidenceKind::Signature => "当事人签名",
            EvidenceKind::VoiceNote => "录音",
        }
    }
}
