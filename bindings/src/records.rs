//! Values that cross the FFI: uniffi mirrors of the core model, with `From` conversions.
//! Field names and meanings are core's (see `xuncha_core::model`); only shapes change where
//! the FFI needs it (enum payloads get names, arrays become lists).

use xuncha_core as core;

/// Maps a list of core values to their mirrors (or back).
pub(crate) fn list<T, U: From<T>>(xs: Vec<T>) -> Vec<U> {
    xs.into_iter().map(U::from).collect()
}

/// Mirrors a field-less core enum, with conversions both ways.
macro_rules! mirror_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name { $($variant),+ }
        impl From<core::$name> for $name {
            fn from(x: core::$name) -> Self { match x { $(core::$name::$variant => $name::$variant),+ } }
        }
        impl From<$name> for core::$name {
            fn from(x: $name) -> Self { match x { $($name::$variant => core::$name::$variant),+ } }
        }
    };
}

mirror_enum!(
    /// 日查 / 夜查.
    Shift { Day, Night }
);
mirror_enum!(
    /// 联检 / 抽检.
    Mode { Joint, Spot }
);
mirror_enum!(
    /// 明查 / 暗访.
    Approach { Open, Undercover }
);
mirror_enum!(
    /// 无问题 / 疑似 / 确认违规.
    Conclusion { NoProblem, Suspected, Confirmed }
);
mirror_enum!(
    /// A supervisor's review of a concluded inspection.
    Review { Approved, ReinspectionRequested }
);
mirror_enum!(
    /// What kind of answer a checklist item takes.
    AnswerType { YesNo, Count, Text }
);
mirror_enum!(
    /// Levels of the jurisdiction tree, top to bottom.
    Level { City, County, Township, Community, Grid }
);
mirror_enum!(
    /// Key places (重点场所).
    PlaceType { OfficeBuilding, Residential, RentedHousing, Hotel, Cafe, Childcare }
);
mirror_enum!(
    /// The closed loop a lead or case moves through.
    CaseState { Warning, Received, Verifying, Investigating, Decided, FeedbackGiven, Closed }
);
mirror_enum!(
    /// Where a lead came from.
    CaseSource { Warning, Hotline, Mailbox, Tip, Inspection }
);
mirror_enum!(
    /// 巡查结果: "nothing found" is a valid, recorded result.
    PatrolResult { NothingFound, LeadRaised, IssueFound }
);
mirror_enum!(
    /// Categories of the key-target ledger.
    LedgerCategory {
        ConvertedInstitution,
        DeregisteredInstitution,
        CaughtNonSubject,
        CareBeyondScope,
        HousekeepingTutor,
        CompetitionConsultancy,
        ServingTeacher,
        LaidOffStaff,
    }
);
mirror_enum!(
    /// On the ledger now (入账) or taken off (出账).
    LedgerStatus { In, Out }
);
mirror_enum!(
    /// The kinds of record kept as documents.
    RecordKind { Inspection, Patrol, Case, LedgerEntry, Place }
);

/// An answer to one checklist item. `Yes` means a violation was seen.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum AnswerValue {
    Yes,
    No,
    NotApplicable,
    Count { count: u32 },
    Text { text: String },
}

impl From<core::AnswerValue> for AnswerValue {
    fn from(x: core::AnswerValue) -> Self {
        match x {
            core::AnswerValue::Yes => AnswerValue::Yes,
            core::AnswerValue::No => AnswerValue::No,
            core::AnswerValue::NotApplicable => AnswerValue::NotApplicable,
            core::AnswerValue::Count(count) => AnswerValue::Count { count },
            core::AnswerValue::Text(text) => AnswerValue::Text { text },
        }
    }
}

impl From<AnswerValue> for core::AnswerValue {
    fn from(x: AnswerValue) -> Self {
        match x {
            AnswerValue::Yes => core::AnswerValue::Yes,
            AnswerValue::No => core::AnswerValue::No,
            AnswerValue::NotApplicable => core::AnswerValue::NotApplicable,
            AnswerValue::Count { count } => core::AnswerValue::Count(count),
            AnswerValue::Text { text } => core::AnswerValue::Text(text),
        }
    }
}

/// The officer signed in on a device.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Officer {
    pub name: String,
    pub department: String,
    /// Law-enforcement certificate number (执法证号); empty for grid staff.
    #[uniffi(default)]
    pub cert_no: String,
}

impl From<core::Officer> for Officer {
    fn from(o: core::Officer) -> Self {
        Officer { name: o.name, department: o.department, cert_no: o.cert_no }
    }
}

impl From<Officer> for core::Officer {
    fn from(o: Officer) -> Self {
        core::Officer { name: o.name, department: o.department, cert_no: o.cert_no }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DeviceIdentity {
    pub device_id: String,
    pub officer: Option<Officer>,
}

impl From<core::DeviceIdentity> for DeviceIdentity {
    fn from(d: core::DeviceIdentity) -> Self {
        DeviceIdentity { device_id: d.device_id, officer: d.officer.map(Into::into) }
    }
}

/// A node of the jurisdiction tree.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Jurisdiction {
    pub id: String,
    pub parent_id: Option<String>,
    pub level: Level,
    pub name: String,
    /// [min_lat, min_lon, max_lat, max_lon], if known.
    pub bounds: Option<Vec<f64>>,
}

impl From<core::Jurisdiction> for Jurisdiction {
    fn from(j: core::Jurisdiction) -> Self {
        Jurisdiction {
            id: j.id,
            parent_id: j.parent_id,
            level: j.level.into(),
            name: j.name,
            bounds: j.bounds.map(Vec::from),
        }
    }
}

/// A versioned checklist (检查清单).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChecklistTemplate {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub gps_accuracy_limit_m: f64,
    pub items: Vec<ChecklistItem>,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChecklistItem {
    pub id: String,
    /// The question as officers read it, in Chinese.
    pub text: String,
    pub answer_type: AnswerType,
    /// Only asked on checks of this shift.
    pub only_shift: Option<Shift>,
    /// Only asked at these place types; empty means every place.
    pub place_types: Vec<PlaceType>,
}

impl From<core::ChecklistTemplate> for ChecklistTemplate {
    fn from(t: core::ChecklistTemplate) -> Self {
        ChecklistTemplate {
            id: t.id,
            version: t.version,
            title: t.title,
            gps_accuracy_limit_m: t.gps_accuracy_limit_m,
            items: list(t.items),
        }
    }
}

impl From<core::ChecklistItem> for ChecklistItem {
    fn from(i: core::ChecklistItem) -> Self {
        ChecklistItem {
            id: i.id,
            text: i.text,
            answer_type: i.answer_type.into(),
            only_shift: i.only_shift.map(Into::into),
            place_types: list(i.place_types),
        }
    }
}

/// Concurrent edits to one field: every value is kept (as JSON text) until settled.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Conflict {
    pub field: String,
    pub values: Vec<String>,
}

impl From<core::Conflict> for Conflict {
    fn from(c: core::Conflict) -> Self {
        Conflict { field: c.field, values: c.values }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewInspection {
    pub template_id: String,
    pub template_version: u32,
    pub jurisdiction_id: String,
    pub shift: Shift,
    pub mode: Mode,
    pub approach: Approach,
    #[uniffi(default)]
    pub place_id: Option<String>,
    #[uniffi(default)]
    pub ledger_id: Option<String>,
}

impl From<NewInspection> for core::NewInspection {
    fn from(n: NewInspection) -> Self {
        core::NewInspection {
            template_id: n.template_id,
            template_version: n.template_version,
            jurisdiction_id: n.jurisdiction_id,
            shift: n.shift.into(),
            mode: n.mode.into(),
            approach: n.approach.into(),
            place_id: n.place_id,
            ledger_id: n.ledger_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ItemAnswer {
    pub item_id: String,
    pub value: AnswerValue,
    pub note: String,
    pub answered_by: Officer,
    pub device_id: String,
    pub answered_at_ms: i64,
}

impl From<core::ItemAnswer> for ItemAnswer {
    fn from(a: core::ItemAnswer) -> Self {
        ItemAnswer {
            item_id: a.item_id,
            value: a.value.into(),
            note: a.note,
            answered_by: a.answered_by.into(),
            device_id: a.device_id,
            answered_at_ms: a.answered_at_ms,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Finding {
    pub id: String,
    pub text: String,
    pub by: String,
    pub at_ms: i64,
}

impl From<core::Finding> for Finding {
    fn from(f: core::Finding) -> Self {
        Finding { id: f.id, text: f.text, by: f.by, at_ms: f.at_ms }
    }
}

/// Evidence linked to a record (and maybe one checklist item).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EvidenceLink {
    /// The signed evidence entry.
    pub entry_hash: String,
    /// SHA-256 of the bytes.
    pub content_hash: String,
    pub item_id: Option<String>,
    pub kind: String,
    pub at_ms: i64,
}

impl From<core::EvidenceLink> for EvidenceLink {
    fn from(e: core::EvidenceLink) -> Self {
        EvidenceLink {
            entry_hash: e.entry_hash,
            content_hash: e.content_hash,
            item_id: e.item_id,
            kind: e.kind,
            at_ms: e.at_ms,
        }
    }
}

/// An inspection as merged from every officer's edits.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Inspection {
    pub id: String,
    pub template_id: String,
    pub template_version: u32,
    pub jurisdiction_id: String,
    pub shift: Shift,
    pub mode: Mode,
    pub approach: Approach,
    pub place_id: Option<String>,
    pub ledger_id: Option<String>,
    pub started_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    pub team: Vec<Officer>,
    pub answers: Vec<ItemAnswer>,
    pub findings: Vec<Finding>,
    pub evidence: Vec<EvidenceLink>,
    pub conclusion: Option<Conclusion>,
    pub review: Option<Review>,
    pub review_reason: Option<String>,
    pub conflicts: Vec<Conflict>,
}

impl From<core::Inspection> for Inspection {
    fn from(i: core::Inspection) -> Self {
        Inspection {
            id: i.id,
            template_id: i.template_id,
            template_version: i.template_version,
            jurisdiction_id: i.jurisdiction_id,
            shift: i.shift.into(),
            mode: i.mode.into(),
            approach: i.approach.into(),
            place_id: i.place_id,
            ledger_id: i.ledger_id,
            started_at_ms: i.started_at_ms,
            ended_at_ms: i.ended_at_ms,
            team: list(i.team),
            answers: list(i.answers),
            findings: list(i.findings),
            evidence: list(i.evidence),
            conclusion: i.conclusion.map(Into::into),
            review: i.review.map(Into::into),
            review_reason: i.review_reason,
            conflicts: list(i.conflicts),
        }
    }
}

/// A row of the inspection list.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct InspectionSummary {
    pub id: String,
    pub jurisdiction_id: String,
    pub place_id: Option<String>,
    pub shift: Shift,
    pub mode: Mode,
    pub started_at_ms: i64,
    pub conclusion: Option<Conclusion>,
    pub departments: Vec<String>,
    pub answered: u32,
    pub violations: u32,
    pub has_conflicts: bool,
    pub updated_at_ms: i64,
}

impl From<core::InspectionSummary> for InspectionSummary {
    fn from(s: core::InspectionSummary) -> Self {
        InspectionSummary {
            id: s.id,
            jurisdiction_id: s.jurisdiction_id,
            place_id: s.place_id,
            shift: s.shift.into(),
            mode: s.mode.into(),
            started_at_ms: s.started_at_ms,
            conclusion: s.conclusion.map(Into::into),
            departments: s.departments,
            answered: s.answered,
            violations: s.violations,
            has_conflicts: s.has_conflicts,
            updated_at_ms: s.updated_at_ms,
        }
    }
}

/// Filters for the inspection list; every field narrows, null means any.
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct InspectionFilter {
    #[uniffi(default)]
    pub jurisdiction_id: Option<String>,
    #[uniffi(default)]
    pub shift: Option<Shift>,
    #[uniffi(default)]
    pub mode: Option<Mode>,
    #[uniffi(default)]
    pub conclusion: Option<Conclusion>,
    #[uniffi(default)]
    pub department: Option<String>,
    #[uniffi(default)]
    pub started_from_ms: Option<i64>,
    #[uniffi(default)]
    pub started_to_ms: Option<i64>,
    #[uniffi(default)]
    pub has_conflicts: Option<bool>,
}

impl From<InspectionFilter> for core::InspectionFilter {
    fn from(f: InspectionFilter) -> Self {
        core::InspectionFilter {
            jurisdiction_id: f.jurisdiction_id,
            shift: f.shift.map(Into::into),
            mode: f.mode.map(Into::into),
            conclusion: f.conclusion.map(Into::into),
            department: f.department,
            started_from_ms: f.started_from_ms,
            started_to_ms: f.started_to_ms,
            has_conflicts: f.has_conflicts,
            ..Default::default()
        }
    }
}

/// A key place. `id` is ignored when adding one.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Place {
    #[uniffi(default)]
    pub id: String,
    pub jurisdiction_id: String,
    pub name: String,
    pub place_type: PlaceType,
    pub address: String,
    #[uniffi(default)]
    pub lat: Option<f64>,
    #[uniffi(default)]
    pub lon: Option<f64>,
    /// Owner or managing unit.
    #[uniffi(default)]
    pub owner: String,
}

impl From<core::Place> for Place {
    fn from(p: core::Place) -> Self {
        Place {
            id: p.id,
            jurisdiction_id: p.jurisdiction_id,
            name: p.name,
            place_type: p.place_type.into(),
            address: p.address,
            lat: p.lat,
            lon: p.lon,
            owner: p.owner,
        }
    }
}

impl From<Place> for core::Place {
    fn from(p: Place) -> Self {
        core::Place {
            id: p.id,
            jurisdiction_id: p.jurisdiction_id,
            name: p.name,
            place_type: p.place_type.into(),
            address: p.address,
            lat: p.lat,
            lon: p.lon,
            owner: p.owner,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewLedgerEntry {
    pub jurisdiction_id: String,
    pub name: String,
    pub category: LedgerCategory,
    pub address: String,
    pub reason: String,
}

impl From<NewLedgerEntry> for core::NewLedgerEntry {
    fn from(n: NewLedgerEntry) -> Self {
        core::NewLedgerEntry {
            jurisdiction_id: n.jurisdiction_id,
            name: n.name,
            category: n.category.into(),
            address: n.address,
            reason: n.reason,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LedgerMove {
    pub status: LedgerStatus,
    pub reason: String,
    pub at_ms: i64,
    pub by: String,
}

impl From<core::LedgerMove> for LedgerMove {
    fn from(m: core::LedgerMove) -> Self {
        LedgerMove { status: m.status.into(), reason: m.reason, at_ms: m.at_ms, by: m.by }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LedgerEntry {
    pub id: String,
    pub jurisdiction_id: String,
    pub name: String,
    pub category: LedgerCategory,
    pub address: String,
    pub status: LedgerStatus,
    pub history: Vec<LedgerMove>,
}

impl From<core::LedgerEntry> for LedgerEntry {
    fn from(e: core::LedgerEntry) -> Self {
        LedgerEntry {
            id: e.id,
            jurisdiction_id: e.jurisdiction_id,
            name: e.name,
            category: e.category.into(),
            address: e.address,
            status: e.status.into(),
            history: list(e.history),
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewCase {
    pub jurisdiction_id: String,
    pub source: CaseSource,
    pub summary: String,
    #[uniffi(default)]
    pub inspection_id: Option<String>,
    #[uniffi(default)]
    pub deadline_ms: Option<i64>,
}

impl From<NewCase> for core::NewCase {
    fn from(n: NewCase) -> Self {
        core::NewCase {
            jurisdiction_id: n.jurisdiction_id,
            source: n.source.into(),
            summary: n.summary,
            inspection_id: n.inspection_id,
            deadline_ms: n.deadline_ms,
        }
    }
}

/// What accompanies a move of a case to its next state.
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct StepDetails {
    #[uniffi(default)]
    pub department: String,
    #[uniffi(default)]
    pub note: String,
    #[uniffi(default)]
    pub deadline_ms: Option<i64>,
    /// Content hashes of evidence.
    #[uniffi(default)]
    pub evidence: Vec<String>,
}

impl From<StepDetails> for core::StepDetails {
    fn from(d: StepDetails) -> Self {
        core::StepDetails { department: d.department, note: d.note, deadline_ms: d.deadline_ms, evidence: d.evidence }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CaseStep {
    pub id: String,
    pub from: CaseState,
    pub to: CaseState,
    pub by: String,
    pub department: String,
    pub note: String,
    pub at_ms: i64,
    pub deadline_ms: Option<i64>,
    pub evidence: Vec<String>,
}

impl From<core::CaseStep> for CaseStep {
    fn from(s: core::CaseStep) -> Self {
        CaseStep {
            id: s.id,
            from: s.from.into(),
            to: s.to.into(),
            by: s.by,
            department: s.department,
            note: s.note,
            at_ms: s.at_ms,
            deadline_ms: s.deadline_ms,
            evidence: s.evidence,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Case {
    pub id: String,
    pub jurisdiction_id: String,
    pub source: CaseSource,
    pub summary: String,
    pub inspection_id: Option<String>,
    pub state: CaseState,
    pub department: Option<String>,
    pub deadline_ms: Option<i64>,
    pub steps: Vec<CaseStep>,
    pub conflicts: Vec<Conflict>,
}

impl From<core::Case> for Case {
    fn from(c: core::Case) -> Self {
        Case {
            id: c.id,
            jurisdiction_id: c.jurisdiction_id,
            source: c.source.into(),
            summary: c.summary,
            inspection_id: c.inspection_id,
            state: c.state.into(),
            department: c.department,
            deadline_ms: c.deadline_ms,
            steps: list(c.steps),
            conflicts: list(c.conflicts),
        }
    }
}

/// A row of the case board.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CaseSummary {
    pub id: String,
    pub jurisdiction_id: String,
    pub source: CaseSource,
    pub summary: String,
    pub state: CaseState,
    pub department: Option<String>,
    pub deadline_ms: Option<i64>,
    pub has_conflicts: bool,
}

impl From<core::CaseSummary> for CaseSummary {
    fn from(c: core::CaseSummary) -> Self {
        CaseSummary {
            id: c.id,
            jurisdiction_id: c.jurisdiction_id,
            source: c.source.into(),
            summary: c.summary,
            state: c.state.into(),
            department: c.department,
            deadline_ms: c.deadline_ms,
            has_conflicts: c.has_conflicts,
        }
    }
}

/// A GPS point of a patrol route.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PatrolPoint {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    pub at_ms: i64,
}

impl From<core::PatrolPoint> for PatrolPoint {
    fn from(p: core::PatrolPoint) -> Self {
        PatrolPoint { lat: p.lat, lon: p.lon, accuracy_m: p.accuracy_m, at_ms: p.at_ms }
    }
}

impl From<PatrolPoint> for core::PatrolPoint {
    fn from(p: PatrolPoint) -> Self {
        core::PatrolPoint { lat: p.lat, lon: p.lon, accuracy_m: p.accuracy_m, at_ms: p.at_ms }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PatrolLog {
    pub id: String,
    pub grid_id: String,
    pub officer: String,
    pub started_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    pub points: Vec<PatrolPoint>,
    pub result: Option<PatrolResult>,
    pub note: String,
    pub conflicts: Vec<Conflict>,
}

impl From<core::PatrolLog> for PatrolLog {
    fn from(p: core::PatrolLog) -> Self {
        PatrolLog {
            id: p.id,
            grid_id: p.grid_id,
            officer: p.officer,
            started_at_ms: p.started_at_ms,
            ended_at_ms: p.ended_at_ms,
            points: list(p.points),
            result: p.result.map(Into::into),
            note: p.note,
            conflicts: list(p.conflicts),
        }
    }
}

/// A row of the patrol list.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PatrolSummary {
    pub id: String,
    pub grid_id: String,
    pub officer: String,
    pub started_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    pub result: Option<PatrolResult>,
    pub points: u32,
}

impl From<core::PatrolSummary> for PatrolSummary {
    fn from(p: core::PatrolSummary) -> Self {
        PatrolSummary {
            id: p.id,
            grid_id: p.grid_id,
            officer: p.officer,
            started_at_ms: p.started_at_ms,
            ended_at_ms: p.ended_at_ms,
            result: p.result.map(Into::into),
            points: p.points,
        }
    }
}

/// One field change in a record's history.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AuditEntry {
    pub change_hash: String,
    pub officer: String,
    pub cert_no: String,
    pub device_id: String,
    pub at_ms: i64,
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl From<core::AuditEntry> for AuditEntry {
    fn from(a: core::AuditEntry) -> Self {
        AuditEntry {
            change_hash: a.change_hash,
            officer: a.officer,
            cert_no: a.cert_no,
            device_id: a.device_id,
            at_ms: a.at_ms,
            field: a.field,
            old: a.old,
            new: a.new,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SearchHit {
    pub record_id: String,
    pub kind: RecordKind,
    /// The matching text with the match in 【】.
    pub snippet: String,
}

impl From<core::SearchHit> for SearchHit {
    fn from(h: core::SearchHit) -> Self {
        SearchHit { record_id: h.record_id, kind: h.kind.into(), snippet: h.snippet }
    }
}

/// What a two-way exchange moved: changes new to the other store, and new to this one.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct ExchangeReport {
    pub sent_changes: u64,
    pub received_changes: u64,
}

// --- evidence -----------------------------------------------------------------------------

mirror_enum!(
    /// Which location provider produced a fix.
    GpsProvider { Gps, Network, Fused }
);

/// A location fix as the phone reported it (Android `Location`, iOS `CLLocation`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct GpsFix {
    pub lat: f64,
    pub lon: f64,
    /// Horizontal accuracy in metres; must be positive.
    pub accuracy_m: f64,
    #[uniffi(default)]
    pub altitude_m: Option<f64>,
    pub provider: GpsProvider,
    /// The platform says the location is simulated (Android `isMock`, iOS `isSimulatedBySoftware`).
    pub mock: bool,
    /// When the fix was taken, by the provider's clock (ms since the epoch).
    pub fix_time_ms: i64,
    /// The device clock when the fix was handed to the app.
    pub device_time_ms: i64,
}

impl From<core::GpsFix> for GpsFix {
    fn from(g: core::GpsFix) -> Self {
        GpsFix {
            lat: g.lat,
            lon: g.lon,
            accuracy_m: g.accuracy_m,
            altitude_m: g.altitude_m,
            provider: g.provider.into(),
            mock: g.mock,
            fix_time_ms: g.fix_time_ms,
            device_time_ms: g.device_time_ms,
        }
    }
}

impl From<GpsFix> for core::GpsFix {
    fn from(g: GpsFix) -> Self {
        core::GpsFix {
            lat: g.lat,
            lon: g.lon,
            accuracy_m: g.accuracy_m,
            altitude_m: g.altitude_m,
            provider: g.provider.into(),
            mock: g.mock,
            fix_time_ms: g.fix_time_ms,
            device_time_ms: g.device_time_ms,
        }
    }
}

/// What a piece of evidence belongs to, and where it was captured.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Capture {
    /// An inspection, patrol or case.
    pub record_id: String,
    /// A checklist item of the inspection, if the evidence is for one.
    #[uniffi(default)]
    pub item_id: Option<String>,
    /// The location fix at capture; null when the phone had none (the item is flagged).
    #[uniffi(default)]
    pub gps: Option<GpsFix>,
    /// The entry hash of the evidence this corrects; the old item stays as it was.
    #[uniffi(default)]
    pub corrects: Option<String>,
}

impl From<Capture> for core::Capture {
    fn from(c: Capture) -> Self {
        core::Capture { record_id: c.record_id, item_id: c.item_id, gps: c.gps.map(Into::into), corrects: c.corrects }
    }
}

/// Something about a piece of evidence a reviewer should look at. Flags never refuse evidence.
/// `flag_label` gives the Chinese text to show.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum Flag {
    /// The GPS fix is less accurate than the checklist's rule.
    PoorAccuracy { accuracy_m: f64, limit_m: f64 },
    /// The platform reported a simulated location.
    MockLocation,
    /// No GPS fix came with the capture.
    NoGpsFix,
    /// The photo's EXIF has no position.
    NoExifPosition,
    /// EXIF position and the GPS fix are far apart.
    ExifPositionMismatch { distance_m: f64 },
    /// EXIF capture time and the fix time are far apart.
    ExifTimeMismatch { seconds: i64 },
    /// The device clock differed from the server's at the last sync.
    ClockSkew { seconds: i64 },
    /// The photo has no EXIF at all.
    NoExif,
    /// The photo's EXIF cannot be read (in whole or in part).
    ExifUnreadable,
    /// The EXIF GPS block is junk or off the globe; the EXIF position is treated as unknown.
    ExifGpsInvalid,
    /// The EXIF orientation (as written) is outside 1..=8; the photo is shown as stored.
    ExifOrientationInvalid { orientation: u32 },
    /// With no GPS fix, the EXIF capture time is far from the device clock.
    ExifTimeFarOff { seconds: i64 },
    /// The JPEG is CMYK or YCCK (print colour).
    CmykColour,
    /// The JPEG is grayscale.
    GrayscaleColour,
    /// A flag written by a newer app that this version does not know.
    Other,
}

impl From<core::Flag> for Flag {
    fn from(f: core::Flag) -> Self {
        match f {
            core::Flag::PoorAccuracy { accuracy_m, limit_m } => Flag::PoorAccuracy { accuracy_m, limit_m },
            core::Flag::MockLocation => Flag::MockLocation,
            core::Flag::NoGpsFix => Flag::NoGpsFix,
            core::Flag::NoExifPosition => Flag::NoExifPosition,
            core::Flag::ExifPositionMismatch { distance_m } => Flag::ExifPositionMismatch { distance_m },
            core::Flag::ExifTimeMismatch { seconds } => Flag::ExifTimeMismatch { seconds },
            core::Flag::ClockSkew { seconds } => Flag::ClockSkew { seconds },
            core::Flag::NoExif => Flag::NoExif,
            core::Flag::ExifUnreadable => Flag::ExifUnreadable,
            core::Flag::ExifGpsInvalid => Flag::ExifGpsInvalid,
            core::Flag::ExifOrientationInvalid { orientation } => Flag::ExifOrientationInvalid { orientation },
            core::Flag::ExifTimeFarOff { seconds } => Flag::ExifTimeFarOff { seconds },
            core::Flag::CmykColour => Flag::CmykColour,
            core::Flag::GrayscaleColour => Flag::GrayscaleColour,
            core::Flag::Other => Flag::Other,
        }
    }
}

impl From<Flag> for core::Flag {
    fn from(f: Flag) -> Self {
        match f {
            Flag::PoorAccuracy { accuracy_m, limit_m } => core::Flag::PoorAccuracy { accuracy_m, limit_m },
            Flag::MockLocation => core::Flag::MockLocation,
            Flag::NoGpsFix => core::Flag::NoGpsFix,
            Flag::NoExifPosition => core::Flag::NoExifPosition,
            Flag::ExifPositionMismatch { distance_m } => core::Flag::ExifPositionMismatch { distance_m },
            Flag::ExifTimeMismatch { seconds } => core::Flag::ExifTimeMismatch { seconds },
            Flag::ClockSkew { seconds } => core::Flag::ClockSkew { seconds },
            Flag::NoExif => core::Flag::NoExif,
            Flag::ExifUnreadable => core::Flag::ExifUnreadable,
            Flag::ExifGpsInvalid => core::Flag::ExifGpsInvalid,
            Flag::ExifOrientationInvalid { orientation } => core::Flag::ExifOrientationInvalid { orientation },
            Flag::ExifTimeFarOff { seconds } => core::Flag::ExifTimeFarOff { seconds },
            Flag::CmykColour => core::Flag::CmykColour,
            Flag::GrayscaleColour => core::Flag::GrayscaleColour,
            Flag::Other => core::Flag::Other,
        }
    }
}

/// What the camera wrote into a photo.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ExifSummary {
    pub make: Option<String>,
    pub model: Option<String>,
    /// EXIF orientation 1..=8.
    pub orientation: u16,
    pub captured_at_ms: Option<i64>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

impl From<core::evidence::ExifSummary> for ExifSummary {
    fn from(e: core::evidence::ExifSummary) -> Self {
        ExifSummary {
            make: e.make,
            model: e.model,
            orientation: e.orientation,
            captured_at_ms: e.captured_at_ms,
            lat: e.lat,
            lon: e.lon,
        }
    }
}

/// A piece of evidence as fixed at capture: its signed metadata, flattened.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EvidenceItem {
    /// The item's identity: SHA-256 of the signed metadata.
    pub entry_hash: String,
    /// SHA-256 of the bytes (hex): the key for `thumbnail` and `evidence_bytes`.
    pub content_hash: String,
    /// "photo", "signature" or "voice_note".
    pub kind: String,
    pub mime: String,
    pub size: u64,
    pub record_id: String,
    pub item_id: Option<String>,
    pub officer: String,
    pub cert_no: String,
    pub device_id: String,
    /// Hex ed25519 public key of the device that signed it.
    pub public_key: String,
    /// Position in the device's evidence chain, from 1; `prev` is the item before.
    pub chain_seq: u64,
    pub prev: Option<String>,
    pub captured_at_ms: i64,
    pub gps: Option<GpsFix>,
    pub exif: Option<ExifSummary>,
    pub flags: Vec<Flag>,
    pub corrects: Option<String>,
    /// Hex ed25519 signature over the metadata.
    pub signature: String,
    /// Whether the bytes are on this device (metadata may arrive before the photo).
    pub bytes_present: bool,
}

impl From<core::EvidenceItem> for EvidenceItem {
    fn from(i: core::EvidenceItem) -> Self {
        let p = i.payload;
        EvidenceItem {
            entry_hash: i.entry_hash.into(),
            content_hash: p.content_hash.into(),
            kind: p.kind.to_string(),
            mime: p.mime,
            size: p.size,
            record_id: p.record_id,
            item_id: p.item_id,
            officer: p.officer,
            cert_no: p.cert_no,
            device_id: p.device_id,
            public_key: p.public_key,
            chain_seq: p.chain_seq,
            prev: p.prev.map(Into::into),
            captured_at_ms: p.captured_at_ms,
            gps: p.gps.map(Into::into),
            exif: p.exif.map(Into::into),
            flags: list(p.flags),
            corrects: p.corrects.map(Into::into),
            signature: i.signature,
            bytes_present: i.bytes_present,
        }
    }
}

/// A verification check on evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum VerifyCheck {
    /// The bytes do not hash to the content hash.
    Bytes,
    /// The bytes are not on this device to check.
    MissingBytes,
    /// The metadata does not hash to the entry hash, or does not parse.
    Payload,
    /// The signature does not verify with the metadata's key.
    Signature,
    /// The metadata's key is not the device's key.
    Key,
    /// The previous-item link or sequence number does not follow the chain.
    ChainLink,
    /// An item the chain or the record refers to is missing.
    MissingItem,
}

impl From<core::evidence::Check> for VerifyCheck {
    fn from(c: core::evidence::Check) -> Self {
        use core::evidence::Check;
        match c {
            Check::Bytes => VerifyCheck::Bytes,
            Check::MissingBytes => VerifyCheck::MissingBytes,
            Check::Payload => VerifyCheck::Payload,
            Check::Signature => VerifyCheck::Signature,
            Check::Key => VerifyCheck::Key,
            Check::ChainLink => VerifyCheck::ChainLink,
            Check::MissingItem => VerifyCheck::MissingItem,
        }
    }
}

/// One failed check, and what it found.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VerifyFailure {
    /// The item that failed; null for problems of the whole chain or record (a gap, a missing item).
    pub entry_hash: Option<String>,
    pub check: VerifyCheck,
    pub message: String,
}

/// The result of verifying evidence: `ok` when every check of every item held.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VerifyReport {
    pub ok: bool,
    /// How many items were checked.
    pub items_checked: u32,
    /// Chain- or record-level failures first, then each item's, in order.
    pub failures: Vec<VerifyFailure>,
}

impl From<core::VerifyReport> for VerifyReport {
    fn from(r: core::VerifyReport) -> Self {
        let ok = r.ok();
        let items_checked = r.items.len() as u32;
        let whole = r.failures.into_iter().map(|f| (None, f));
        let items = r.items.into_iter().flat_map(|i| {
            let hash = i.entry_hash;
            i.failures.into_iter().map(move |f| (Some(hash.clone()), f))
        });
        let failures = whole
            .chain(items)
            .map(|(entry_hash, (check, message))| VerifyFailure { entry_hash, check: check.into(), message })
            .collect();
        VerifyReport { ok, items_checked, failures }
    }
}

// --- server sync --------------------------------------------------------------------------

/// What the sync screen shows.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncStatus {
    /// Records with changes the server has not acknowledged.
    pub pending_records: u64,
    pub pending_changes: u64,
    /// Evidence bytes not yet uploaded.
    pub pending_bytes: u64,
    pub last_success_ms: Option<i64>,
    pub last_attempt_ms: Option<i64>,
    /// How the last attempt failed (null after a success); names no person.
    pub last_error: Option<String>,
    pub server_url: Option<String>,
    pub enrolled: bool,
    /// Entries from the server this phone could not apply and set aside (the rest synced).
    pub set_aside: u64,
    /// Records the server refused (see `refused_records`); kept here, not counted as pending.
    pub refused_records: u64,
}

/// A record the server refused to store: kept on the phone and shown with the reason; it is
/// offered again once it changes (or the device enrols with another account).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RefusedRecord {
    pub record_id: String,
    /// Stable code, e.g. "forbidden", "forged_author".
    pub code: String,
    /// The server's message, in Chinese.
    pub message: String,
}

impl From<core::sync::protocol::RefusedRecord> for RefusedRecord {
    fn from(r: core::sync::protocol::RefusedRecord) -> Self {
        RefusedRecord { record_id: r.doc_id, code: r.code, message: r.message }
    }
}

impl From<core::SyncStatus> for SyncStatus {
    fn from(s: core::SyncStatus) -> Self {
        SyncStatus {
            pending_records: s.pending_records,
            pending_changes: s.pending_changes,
            pending_bytes: s.pending_bytes,
            last_success_ms: s.last_success_ms,
            last_attempt_ms: s.last_attempt_ms,
            last_error: s.last_error,
            server_url: s.server_url,
            enrolled: s.enrolled,
            set_aside: s.set_aside,
            refused_records: s.refused_records,
        }
    }
}

/// The account a device enrolled as, as the server knows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UserInfo {
    pub username: String,
    pub name: String,
    /// "inspector", "grid_captain", "supervisor" or "admin".
    pub role: String,
    /// The jurisdiction subtree the account sees.
    pub jurisdiction_id: String,
    pub department: String,
    pub cert_no: String,
}

impl From<core::sync::protocol::UserInfo> for UserInfo {
    fn from(u: core::sync::protocol::UserInfo) -> Self {
        UserInfo {
            username: u.username,
            name: u.name,
            role: u.role,
            jurisdiction_id: u.jurisdiction_id,
            department: u.department,
            cert_no: u.cert_no,
        }
    }
}

/// What one sync with the server did.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    pub pushed_changes: u64,
    pub pushed_evidence: u64,
    pub uploaded_bytes: u64,
    pub pulled_changes: u64,
    /// HTTP requests made.
    pub round_trips: u64,
    /// Records the server refused in this sync; everything else synced.
    pub refused_records: u64,
    /// Evidence files the server would not take this time; kept and tried again next sync.
    pub failed_uploads: u64,
}

impl From<core::sync::SyncReport> for SyncReport {
    fn from(r: core::sync::SyncReport) -> Self {
        SyncReport {
            pushed_changes: r.pushed_changes,
            pushed_evidence: r.pushed_evidence,
            uploaded_bytes: r.uploaded_bytes,
            pulled_changes: r.pulled_changes,
            round_trips: r.round_trips,
            refused_records: r.refused_records,
            failed_uploads: r.failed_uploads,
        }
    }
}
