//! The inspection list (filters, search, paging, CSV) and the inspection detail page.

use super::evidence::{EvidenceView, item_views, items_of};
use super::util::{Params, csv_response, date, day_start_ms, fmt_ms, num, param};
use super::{ConsoleUser, Supervisor, Tree};
use crate::api::{Path, Query, blocking};
use crate::error::ApiError;
use crate::openapi::Errors;
use crate::scope::Refuse;
use crate::state::{AppState, SharedState};
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use xuncha_core::evidence::EntryHash;
use xuncha_core::{
    AnswerType, Approach, AuditEntry, CaseState, Conclusion, Conflict, Finding, InspectionFilter, InspectionSummary,
    ItemAnswer, Jurisdiction, LedgerCategory, LedgerStatus, Lookup, Mode, Officer, Place, RecordKind, Review, Shift,
};

/// Rows an export (and the filter lists) read at most.
pub const MAX_ROWS: u32 = 20_000;

/// The list's filters, from the query string; the replica runs them in SQL.
fn filter(state: &AppState, sup: &Supervisor, q: &Params) -> Result<InspectionFilter, ApiError> {
    let enum_param = |key: &str, parse: &dyn Fn(&str) -> bool| -> Result<Option<String>, ApiError> {
        match param(q, key) {
            None => Ok(None),
            Some(v) if parse(v) => Ok(Some(v.to_owned())),
            Some(v) => {
                tracing::info!(key, value = v, "unknown filter value");
                Err(ApiError::bad_request("筛选条件的取值无效，请刷新页面后重新选择"))
            }
        }
    };
    let shift = enum_param("shift", &|v| Shift::parse(v).is_some())?.and_then(|v| Shift::parse(&v));
    let mode = enum_param("mode", &|v| Mode::parse(v).is_some())?.and_then(|v| Mode::parse(&v));
    let conclusion = enum_param("conclusion", &|v| v == "none" || Conclusion::parse(v).is_some())?;
    let review = enum_param("review", &|v| v == "none" || Review::parse(v).is_some())?;
    let started_from_ms = param(q, "from").map(|v| date("from", v)).transpose()?.map(day_start_ms);
    let started_to_ms =
        param(q, "to").map(|v| date("to", v)).transpose()?.map(|d| day_start_ms(d.succ_opt().unwrap_or(d)));
    let has_conflicts = match param(q, "conflicts") {
        None => None,
        Some("1" | "true") => Some(true),
        Some("0" | "false") => Some(false),
        Some(_) => return Err(ApiError::bad_request("筛选条件“有冲突”的取值无效，请刷新页面后重新选择")),
    };
    Ok(InspectionFilter {
        jurisdiction_id: sup.node(state, param(q, "node"))?,
        shift,
        mode,
        conclusion: conclusion.as_deref().and_then(Conclusion::parse),
        concluded: (conclusion.as_deref() == Some("none")).then_some(false),
        review: review.as_deref().and_then(Review::parse),
        reviewed: (review.as_deref() == Some("none")).then_some(false),
        department: param(q, "department").map(str::to_owned),
        started_from_ms,
        started_to_ms,
        has_conflicts,
        photos_pending: matches!(param(q, "photo_pending"), Some("1" | "true")).then_some(true),
        text: param(q, "q").map(str::to_owned),
    })
}

/// The place's name; empty when none is set or the place is unknown here. A storage failure is
/// an error, not an empty name.
fn place_name(state: &AppState, place_id: Option<&str>) -> Result<String, ApiError> {
    let Some(id) = place_id else { return Ok(String::new()) };
    Ok(state.replica.place(id).absent_as_none()?.map(|p| p.name).unwrap_or_default())
}

/// A row of the inspection list.
#[derive(Serialize, utoipa::ToSchema)]
pub struct InspectionRow {
    pub id: String,
    pub jurisdiction_id: String,
    /// The jurisdiction's path from the caller's top node.
    pub jurisdiction: String,
    /// The place's name; empty when none is set or the place is unknown here.
    pub place: String,
    pub shift: Shift,
    pub mode: Mode,
    pub approach: Approach,
    pub started_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    pub conclusion: Option<Conclusion>,
    pub review: Option<Review>,
    /// Departments on the team.
    pub departments: Vec<String>,
    /// Names of the officers on the team.
    pub team: Vec<String>,
    /// Items answered, and of those, violations seen.
    pub answered: u32,
    pub violations: u32,
    pub has_conflicts: bool,
    /// Evidence items, and of those, items whose bytes have not arrived yet.
    pub photos: usize,
    pub photos_pending: usize,
    pub updated_at_ms: i64,
}

fn row(state: &AppState, tree: &Tree, r: &InspectionSummary) -> Result<InspectionRow, ApiError> {
    let inspection = state.replica.inspection(&r.id)?;
    let evidence = state.replica.evidence_for_record(&r.id)?;
    Ok(InspectionRow {
        id: r.id.clone(),
        jurisdiction_id: r.jurisdiction_id.clone(),
        jurisdiction: tree.path(&r.jurisdiction_id),
        place: place_name(state, r.place_id.as_deref())?,
        shift: r.shift,
        mode: r.mode,
        approach: inspection.approach,
        started_at_ms: r.started_at_ms,
        ended_at_ms: inspection.ended_at_ms,
        conclusion: r.conclusion,
        review: inspection.review,
        departments: r.departments.clone(),
        team: inspection.team.iter().map(|o| o.name.clone()).collect(),
        answered: r.answered,
        violations: r.violations,
        has_conflicts: r.has_conflicts,
        photos: evidence.len(),
        photos_pending: evidence.iter().filter(|e| !e.bytes_present).count(),
        updated_at_ms: r.updated_at_ms,
    })
}

/// One page of the inspection list.
#[derive(Serialize, utoipa::ToSchema)]
pub struct InspectionPage {
    /// Inspections that pass the filters, on every page.
    pub total: u64,
    /// This page, from 1, and its size.
    pub page: u32,
    pub per_page: u32,
    pub rows: Vec<InspectionRow>,
}

/// The list's and the export's filters as the OpenAPI document declares them (`filters` reads
/// them from the query map).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct FilterParams {
    /// jurisdiction node (default: the caller's)
    node: Option<String>,
    /// first day, YYYY-MM-DD (China Standard Time)
    from: Option<String>,
    /// last day, YYYY-MM-DD
    to: Option<String>,
    /// day or night
    shift: Option<String>,
    /// joint or spot
    mode: Option<String>,
    /// a department on the team
    department: Option<String>,
    /// no_problem, suspected, confirmed or none
    conclusion: Option<String>,
    /// approved, reinspection_requested or none
    review: Option<String>,
    /// 1: only inspections with unsettled conflicts
    conflicts: Option<String>,
    /// 1: only inspections whose photos are still uploading
    photo_pending: Option<String>,
    /// search text
    q: Option<String>,
}

#[utoipa::path(get, path = "/v1/console/inspections", tag = "console", security(("bearer" = [])),
    params(FilterParams,
           ("page" = Option<i64>, Query, description = "page, from 1"),
           ("per_page" = Option<i64>, Query, description = "rows per page, 1 to 200")),
    responses((status = 200, description = "one page of inspections in the caller's subtree", body = InspectionPage), Errors))]
pub async fn list(
    State(state): State<SharedState>,
    Query(q): Query<Params>,
    ConsoleUser(sup): ConsoleUser,
) -> Result<Json<InspectionPage>, ApiError> {
    blocking(move || {
        let tree = Tree::of(&state, &sup)?;
        let f = filter(&state, &sup, &q)?;
        let per_page = num(&q, "per_page", 50, 1..=200)? as u32;
        let page = num(&q, "page", 1, 1..=100_000)? as u32;
        let total = state.replica.count_inspections(&f)?;
        let shown = state
            .replica
            .list_inspections(&f, per_page, (page - 1) * per_page)?
            .iter()
            .map(|r| row(&state, &tree, r))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Json(InspectionPage { total, page, per_page, rows: shown }))
    })
    .await
}

const LABEL_SHIFT: [(&str, &str); 2] = [("day", "日查"), ("night", "夜查")];
const LABEL_MODE: [(&str, &str); 2] = [("joint", "联检"), ("spot", "抽检")];
const LABEL_APPROACH: [(&str, &str); 2] = [("open", "明查"), ("undercover", "暗访")];
const LABEL_CONCLUSION: [(&str, &str); 3] =
    [("no_problem", "无问题"), ("suspected", "疑似违规"), ("confirmed", "确认违规")];
const LABEL_REVIEW: [(&str, &str); 2] = [("approved", "审核通过"), ("reinspection_requested", "要求复查")];

pub fn label(table: &[(&str, &'static str)], v: &str) -> String {
    table.iter().find(|(k, _)| *k == v).map(|(_, l)| (*l).to_owned()).unwrap_or_else(|| v.to_owned())
}

pub fn conclusion_label(c: Option<Conclusion>) -> String {
    c.map(|c| label(&LABEL_CONCLUSION, c.as_str())).unwrap_or_else(|| "未下结论".into())
}

#[utoipa::path(get, path = "/v1/console/inspections.csv", tag = "console", security(("bearer" = [])),
    params(FilterParams),
    responses((status = 200, description = "the filtered list as CSV (UTF-8 with BOM)", content_type = "text/csv", body = String), Errors))]
pub async fn csv(
    State(state): State<SharedState>,
    Query(q): Query<Params>,
    ConsoleUser(sup): ConsoleUser,
) -> Result<Response, ApiError> {
    blocking(move || {
        let tree = Tree::of(&state, &sup)?;
        let rows = state.replica.list_inspections(&filter(&state, &sup, &q)?, MAX_ROWS, 0)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let i = state.replica.inspection(&r.id)?;
            let evidence = state.replica.evidence_for_record(&r.id)?;
            out.push(vec![
                r.id.clone(),
                fmt_ms(Some(r.started_at_ms)),
                fmt_ms(i.ended_at_ms),
                tree.path(&r.jurisdiction_id),
                place_name(&state, r.place_id.as_deref())?,
                label(&LABEL_SHIFT, r.shift.as_str()),
                label(&LABEL_MODE, r.mode.as_str()),
                label(&LABEL_APPROACH, i.approach.as_str()),
                r.departments.join("、"),
                i.team.iter().map(|o| format!("{}({})", o.name, o.cert_no)).collect::<Vec<_>>().join("、"),
                r.answered.to_string(),
                r.violations.to_string(),
                i.findings.len().to_string(),
                conclusion_label(r.conclusion),
                i.review.map(|v| label(&LABEL_REVIEW, v.as_str())).unwrap_or_default(),
                i.review_reason.clone().unwrap_or_default(),
                if r.has_conflicts { "是" } else { "否" }.into(),
                evidence.len().to_string(),
                evidence.iter().filter(|e| !e.bytes_present).count().to_string(),
            ]);
        }
        let header = [
            "检查编号",
            "开始时间",
            "结束时间",
            "属地",
            "场所",
            "日查/夜查",
            "联检/抽检",
            "明查/暗访",
            "部门",
            "检查人员(执法证号)",
            "已答项",
            "违规项",
            "发现问题数",
            "结论",
            "审核",
            "审核意见",
            "有冲突",
            "证据数",
            "待上传证据",
        ];
        Ok(csv_response("inspections.csv", &header, out))
    })
    .await
}

/// The ledger entry an inspection was made against.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LedgerRef {
    pub id: String,
    pub name: String,
    pub category: LedgerCategory,
    pub status: LedgerStatus,
}

/// The checklist version an inspection was answered against.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TemplateRef {
    pub id: String,
    pub version: u32,
    pub title: String,
}

/// A checklist item with what the team answered.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ChecklistLine {
    pub item_id: String,
    /// The question, in Chinese.
    pub text: String,
    pub answer_type: AnswerType,
    /// Why the item does not apply to this inspection (shift or place type), if it does not.
    pub not_applicable: Option<String>,
    /// The answer; for an item in conflict, the deterministic winner.
    pub answer: Option<ItemAnswer>,
    /// Every concurrent value (JSON text) while the answer is in conflict.
    pub conflict: Option<Vec<String>>,
    /// Entry hashes of the evidence taken for this item.
    pub evidence: Vec<EntryHash>,
}

/// An answer whose checklist version this server does not hold: its item id stands for the
/// question.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BareAnswer {
    pub item_id: String,
    /// The item id again, in place of the question.
    pub text: String,
    pub answer: ItemAnswer,
}

/// A line of the inspection page's checklist: an item of its checklist version, or, when
/// the server does not hold that version, an answer alone.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum ItemLine {
    Item(ChecklistLine),
    Answer(BareAnswer),
}

/// A case opened from an inspection.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseRef {
    pub id: String,
    pub summary: String,
    pub state: CaseState,
}

/// An inspection with its answers, team, conflicts, history and evidence.
#[derive(Serialize, utoipa::ToSchema)]
pub struct InspectionDetail {
    pub id: String,
    pub jurisdiction: Jurisdiction,
    /// The jurisdiction's path from the caller's top node.
    pub jurisdiction_path: String,
    /// The place inspected, when set and known here.
    pub place: Option<Place>,
    /// The ledger entry inspected, when set and known here.
    pub ledger: Option<LedgerRef>,
    pub shift: Shift,
    pub mode: Mode,
    pub approach: Approach,
    pub started_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    pub team: Vec<Officer>,
    /// The checklist version, when this server holds it.
    pub template: Option<TemplateRef>,
    pub items: Vec<ItemLine>,
    pub findings: Vec<Finding>,
    pub conclusion: Option<Conclusion>,
    pub review: Option<Review>,
    pub review_reason: Option<String>,
    /// Concurrent edits not yet settled.
    pub conflicts: Vec<Conflict>,
    /// Evidence of the inspection, oldest first.
    pub evidence: Vec<EvidenceView>,
    /// Every field edit, oldest first.
    pub audit: Vec<AuditEntry>,
    /// Cases opened from this inspection.
    pub cases: Vec<CaseRef>,
}

#[utoipa::path(get, path = "/v1/console/inspections/{id}", tag = "console", security(("bearer" = [])),
    params(("id" = String, Path, description = "the inspection")),
    responses((status = 200, description = "answers, team, conflicts, audit trail, evidence with integrity, GPS", body = InspectionDetail), Errors))]
pub async fn detail(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    ConsoleUser(sup): ConsoleUser,
) -> Result<Json<InspectionDetail>, ApiError> {
    blocking(move || {
        sup.over(&state, &id, RecordKind::Inspection, Refuse::AsAbsent)?;
        let tree = Tree::of(&state, &sup)?;
        let i = state.replica.inspection(&id)?;
        let template = state.replica.template(&i.template_id, i.template_version).absent_as_none()?;
        let place = i.place_id.as_deref().map(|p| state.replica.place(p).absent_as_none()).transpose()?.flatten();
        let ledger =
            i.ledger_id.as_deref().map(|l| state.replica.ledger_entry(l).absent_as_none()).transpose()?.flatten();
        let evidence = items_of(&state, &[id.as_str()])?;
        let items: Vec<ItemLine> = match &template {
            None => i
                .answers
                .iter()
                .map(|a| {
                    ItemLine::Answer(BareAnswer {
                        item_id: a.item_id.clone(),
                        text: a.item_id.clone(),
                        answer: a.clone(),
                    })
                })
                .collect(),
            Some(t) => t
                .items
                .iter()
                .map(|item| {
                    let field = format!("answers.{}", item.id);
                    ItemLine::Item(ChecklistLine {
                        item_id: item.id.clone(),
                        text: item.text.clone(),
                        answer_type: item.answer_type,
                        not_applicable: item.not_applicable_because(i.shift, place.as_ref().map(|p| p.place_type)),
                        answer: i.answers.iter().find(|a| a.item_id == item.id).cloned(),
                        conflict: i.conflicts.iter().find(|c| c.field == field).map(|c| c.values.clone()),
                        evidence: evidence
                            .iter()
                            .filter(|e| e.payload.item_id.as_deref() == Some(item.id.as_str()))
                            .map(|e| e.entry_hash.clone())
                            .collect(),
                    })
                })
                .collect(),
        };
        // Cases opened from this inspection.
        let mut cases = Vec::new();
        for c in state.replica.list_cases(&i.jurisdiction_id, None)? {
            if let Ok(full) = state.replica.case(&c.id)
                && full.inspection_id.as_deref() == Some(id.as_str())
            {
                cases.push(CaseRef { id: c.id, summary: c.summary, state: c.state });
            }
        }
        let jurisdiction = state.replica.jurisdiction(&i.jurisdiction_id)?;
        Ok(Json(InspectionDetail {
            jurisdiction_path: tree.path(&i.jurisdiction_id),
            jurisdiction,
            place,
            ledger: ledger.map(|l| LedgerRef { id: l.id, name: l.name, category: l.category, status: l.status }),
            template: template.map(|t| TemplateRef { id: t.id, version: t.version, title: t.title }),
            items,
            evidence: item_views(&state, &evidence)?,
            audit: state.replica.audit_trail(&id)?,
            cases,
            id: i.id,
            shift: i.shift,
            mode: i.mode,
            approach: i.approach,
            started_at_ms: i.started_at_ms,
            ended_at_ms: i.ended_at_ms,
            team: i.team,
            findings: i.findings,
            conclusion: i.conclusion,
            review: i.review,
            review_reason: i.review_reason,
            conflicts: i.conflicts,
        }))
    })
    .await
}
