//! Leads and cases (线索 / 案件) through the closed loop, each step with who, when, which
//! department, deadline and evidence.

use super::Store;
use super::projection::search_text;
use crate::doc::{DocView, Edit};
use crate::util::{new_id, now_ms};
use crate::{Case, CaseSource, CaseState, CaseStep, CaseSummary, Error, NewCase, RecordKind, Result};
use rusqlite::{Transaction, params};
use serde_json::json;

/// What accompanies a move of a case to its next state.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct StepDetails {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub department: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub note: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub deadline_ms: Option<i64>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub evidence: Vec<String>,
}

impl Store {
    /// Opens a lead. A warning starts at "warning"; anything reported starts at "received".
    pub fn open_case(&self, new: &NewCase) -> Result<String> {
        if new.summary.trim().is_empty() {
            return Err(Error::invalid("case summary", "须填写线索概要"));
        }
        let mut inner = self.lock();
        inner.author()?;
        inner.jurisdiction(&new.jurisdiction_id)?;
        let state = if new.source == CaseSource::Warning { CaseState::Warning } else { CaseState::Received };
        inner.create(
            RecordKind::Case,
            "case",
            &["steps", "evidence"],
            &[
                Edit::Set("jurisdiction_id", json!(new.jurisdiction_id)),
                Edit::Set("source", json!(new.source.as_str())),
                Edit::Set("summary", json!(new.summary.trim())),
                Edit::Set("inspection_id", json!(new.inspection_id)),
                Edit::Set("state", json!(state.as_str())),
                Edit::Set("deadline", json!(new.deadline_ms)),
                Edit::Set("opened_at", json!(now_ms())),
            ],
        )
    }

    /// Moves a case to its next state; only the loop's allowed transitions are accepted.
    pub fn advance_case(&self, id: &str, to: CaseState, details: &StepDetails) -> Result<()> {
        let mut inner = self.lock();
        let author = inner.author()?;
        let case = materialize(id, &inner.record(id, RecordKind::Case)?);
        if !case.state.allowed_next().contains(&to) {
            let allowed = case.state.allowed_next().iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
            return Err(Error::IllegalTransition {
                from: case.state.as_str(),
                to: to.as_str(),
                allowed: if allowed.is_empty() { "none (the case is closed)".into() } else { allowed },
            });
        }
        let step = CaseStep {
            id: new_id("step"),
            seq: case.steps.len() as u32 + 1,
            from: case.state,
            to,
            by: author.officer,
            department: details.department.trim().to_owned(),
            note: details.note.trim().to_owned(),
            at_ms: now_ms(),
            deadline_ms: details.deadline_ms,
            evidence: details.evidence.clone(),
        };
        let mut edits = vec![
            Edit::Set("state", json!(to.as_str())),
            Edit::Entry("steps", step.id.clone(), serde_json::to_value(&step).expect("plain JSON")),
        ];
        if !step.department.is_empty() {
            edits.push(Edit::Set("department", json!(step.department)));
        }
        if let Some(d) = details.deadline_ms {
            edits.push(Edit::Set("deadline", json!(d)));
        }
        inner.edit(id, &edits)
    }

    /// Assigns the lead department without moving the case.
    pub fn assign_case(&self, id: &str, department: &str, deadline_ms: Option<i64>) -> Result<()> {
        if department.trim().is_empty() {
            return Err(Error::invalid("department", "须填写承办部门"));
        }
        let mut inner = self.lock();
        inner.record(id, RecordKind::Case)?;
        let mut edits = vec![Edit::Set("department", json!(department.trim()))];
        if let Some(d) = deadline_ms {
            edits.push(Edit::Set("deadline", json!(d)));
        }
        inner.edit(id, &edits)
    }

    pub fn case(&self, id: &str) -> Result<Case> {
        self.view(id, RecordKind::Case, |v| materialize(id, v))
    }

    /// The case board: every case in a jurisdiction subtree, optionally in one state.
    pub fn list_cases(&self, jurisdiction_id: &str, state: Option<CaseState>) -> Result<Vec<CaseSummary>> {
        self.read(|conn| {
            let path = super::reference::path_of(conn, jurisdiction_id)?;
            let mut stmt = conn.prepare_cached(
                "SELECT doc_id, jurisdiction_id, source, summary, state, department, deadline, has_conflicts FROM cases
             WHERE jurisdiction_id IN (SELECT id FROM jurisdictions WHERE path LIKE ?1 || '%')
               AND (?2 IS NULL OR state = ?2)
             ORDER BY deadline IS NULL, deadline, doc_id",
            )?;
            let rows = stmt.query_map(params![path, state.map(CaseState::as_str)], |r| {
                Ok(CaseSummary {
                    id: r.get(0)?,
                    jurisdiction_id: r.get(1)?,
                    source: CaseSource::parse(&r.get::<_, String>(2)?).unwrap_or(CaseSource::Tip),
                    summary: r.get(3)?,
                    state: CaseState::parse(&r.get::<_, String>(4)?).unwrap_or(CaseState::Received),
                    department: r.get(5)?,
                    deadline_ms: r.get(6)?,
                    has_conflicts: r.get(7)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}

fn materialize(id: &str, v: &DocView<'_>) -> Case {
    let mut steps: Vec<CaseStep> = v.entries("steps").into_iter().map(|(_, s)| s).collect();
    steps.sort_by(|a, b| (a.seq, a.at_ms, &a.id).cmp(&(b.seq, b.at_ms, &b.id)));
    Case {
        id: id.to_owned(),
        jurisdiction_id: v.str("jurisdiction_id").unwrap_or_default(),
        source: v.str("source").and_then(|s| CaseSource::parse(&s)).unwrap_or(CaseSource::Tip),
        summary: v.str("summary").unwrap_or_default(),
        inspection_id: v.str("inspection_id"),
        state: v.str("state").and_then(|s| CaseState::parse(&s)).unwrap_or(CaseState::Received),
        department: v.str("department"),
        deadline_ms: v.i64("deadline"),
        opened_at_ms: v.i64("opened_at").unwrap_or(0),
        steps,
        conflicts: v.conflicts(),
    }
}

pub(crate) fn project(tx: &Transaction<'_>, id: &str, v: &DocView<'_>) -> Result<String> {
    let c = materialize(id, v);
    tx.prepare_cached(
        "INSERT OR REPLACE INTO cases (doc_id, jurisdiction_id, source, summary, state, department, deadline,
            inspection_id, has_conflicts, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        id,
        c.jurisdiction_id,
        c.source.as_str(),
        c.summary,
        c.state.as_str(),
        c.department,
        c.deadline_ms,
        c.inspection_id,
        !c.conflicts.is_empty(),
        now_ms()
    ])?;
    Ok(search_text([c.summary.as_str()].into_iter().chain(c.steps.iter().map(|s| s.note.as_str()))))
}
