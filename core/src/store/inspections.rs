//! Inspections (检查): several officers answer one checklist on their own phones.

use super::projection::search_text;
use super::search::TextMatch;
use super::{Inner, Store};
use crate::doc::{DocView, Edit};
use crate::util::{new_id, now_ms};
use crate::{
    AnswerType, AnswerValue, ChecklistTemplate, Conclusion, Error, Finding, Inspection, InspectionFilter,
    InspectionSummary, ItemAnswer, Mode, NewInspection, Officer, PlaceType, RecordKind, Result, Review, Shift,
};
use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::json;

const MAPS: &[&str] = &["team", "answers", "findings", "evidence"];

impl Store {
    /// Starts an inspection; the signed-in officer is its first team member.
    pub fn start_inspection(&self, new: NewInspection) -> Result<String> {
        let mut inner = self.lock();
        let officer = inner.editor()?.clone();
        inner.template(&new.template_id, new.template_version)?;
        inner.jurisdiction(&new.jurisdiction_id)?;
        let place_type = match &new.place_id {
            Some(place) => inner.place_type(place)?,
            None => None,
        };
        let edits = vec![
            Edit::Set("template_id", json!(new.template_id)),
            Edit::Set("template_version", json!(new.template_version)),
            Edit::Set("jurisdiction_id", json!(new.jurisdiction_id)),
            Edit::Set("shift", json!(new.shift.as_str())),
            Edit::Set("mode", json!(new.mode.as_str())),
            Edit::Set("approach", json!(new.approach.as_str())),
            Edit::Set("place_id", json!(new.place_id)),
            Edit::Set("place_type", json!(place_type.map(PlaceType::as_str))),
            Edit::Set("ledger_id", json!(new.ledger_id)),
            Edit::Set("started_at", json!(now_ms())),
            team_entry(&officer),
        ];
        inner.create(RecordKind::Inspection, "insp", MAPS, &edits)
    }

    /// Adds another officer to the team (the leader does this before going out), so the
    /// inspection reaches that officer's phone at the next sync.
    pub fn add_team_member(&self, id: &str, member: &Officer) -> Result<()> {
        if member.name.trim().is_empty() {
            return Err(Error::invalid("team member", "须填写检查组成员姓名"));
        }
        let mut inner = self.lock();
        inner.record(id, RecordKind::Inspection)?;
        inner.edit(id, &[team_entry(member)])
    }

    /// Adds the signed-in officer to the inspection's team.
    pub fn join_inspection(&self, id: &str) -> Result<()> {
        let mut inner = self.lock();
        let officer = inner.editor()?.clone();
        inner.record(id, RecordKind::Inspection)?;
        inner.edit(id, &[team_entry(&officer)])
    }

    /// Answers one checklist item. Answering again replaces the answer, and settles a conflict
    /// on that item.
    pub fn answer_item(&self, id: &str, item_id: &str, value: AnswerValue, note: &str) -> Result<()> {
        let mut inner = self.lock();
        let officer = inner.editor()?.clone();
        let (template_id, version, shift, place_type) = {
            let v = inner.record(id, RecordKind::Inspection)?;
            let shift = v.str("shift").and_then(|s| Shift::parse(&s)).unwrap_or(Shift::Day);
            (
                v.str("template_id").unwrap_or_default(),
                v.i64("template_version").unwrap_or(0) as u32,
                shift,
                place_type(&v),
            )
        };
        let template = inner.template(&template_id, version)?;
        check_answer(&template, shift, place_type, item_id, &value)?;
        let answer = ItemAnswer {
            item_id: item_id.to_owned(),
            value,
            note: note.trim().to_owned(),
            answered_by: officer,
            device_id: inner.device_id.clone(),
            answered_at_ms: now_ms(),
        };
        inner
            .edit(id, &[Edit::Entry("answers", item_id.to_owned(), serde_json::to_value(&answer).expect("plain JSON"))])
    }

    /// Records a finding (发现问题); every officer's findings are kept.
    pub fn add_finding(&self, id: &str, text: &str) -> Result<String> {
        if text.trim().is_empty() {
            return Err(Error::invalid("finding", "须填写发现的问题"));
        }
        let mut inner = self.lock();
        let officer = inner.editor()?.clone();
        let seq = inner.record(id, RecordKind::Inspection)?.entries::<serde_json::Value>("findings").len() as u32 + 1;
        let finding =
            Finding { id: new_id("find"), seq, text: text.trim().to_owned(), by: officer.name, at_ms: now_ms() };
        inner.edit(
            id,
            &[Edit::Entry("findings", finding.id.clone(), serde_json::to_value(&finding).expect("plain JSON"))],
        )?;
        Ok(finding.id)
    }

    /// Concludes the inspection once the template's rules hold: every item that applies is
    /// answered; a "yes" (violation seen) has a note and evidence; "no problem" has no "yes".
    pub fn conclude_inspection(&self, id: &str, conclusion: Conclusion) -> Result<()> {
        let mut inner = self.lock();
        let inspection = inner.inspection(id)?;
        let template = inner.template(&inspection.template_id, inspection.template_version)?;
        let place_type = place_type(&inner.record(id, RecordKind::Inspection)?);
        check_conclusion(&template, &inspection, place_type, conclusion)?;
        inner.edit(id, &[Edit::Set("conclusion", json!(conclusion.as_str())), Edit::Set("ended_at", json!(now_ms()))])
    }

    /// A supervisor's review: approve, or ask for re-inspection with a reason.
    pub fn review_inspection(&self, id: &str, review: Review, reason: &str) -> Result<()> {
        if review == Review::ReinspectionRequested && reason.trim().is_empty() {
            return Err(Error::invalid("review", "要求复查须填写原因"));
        }
        let mut inner = self.lock();
        inner.record(id, RecordKind::Inspection)?;
        inner.edit(id, &[Edit::Set("review", json!(review.as_str())), Edit::Set("review_reason", json!(reason.trim()))])
    }

    /// The template items that apply to this inspection (its shift and place type), in order:
    /// what the checklist screen shows.
    pub fn applicable_items(&self, id: &str) -> Result<Vec<crate::ChecklistItem>> {
        let mut inner = self.lock();
        let (template_id, version, shift, place_type) = {
            let v = inner.record(id, RecordKind::Inspection)?;
            let shift = v.str("shift").and_then(|s| Shift::parse(&s)).unwrap_or(Shift::Day);
            (
                v.str("template_id").unwrap_or_default(),
                v.i64("template_version").unwrap_or(0) as u32,
                shift,
                place_type(&v),
            )
        };
        let template = inner.template(&template_id, version)?;
        Ok(template.items.into_iter().filter(|i| i.not_applicable_because(shift, place_type).is_none()).collect())
    }

    pub fn inspection(&self, id: &str) -> Result<Inspection> {
        self.view(id, RecordKind::Inspection, |v| materialize(id, v))
    }

    /// A page of the inspection list, newest first, read from the projection only.
    pub fn list_inspections(
        &self,
        filter: &InspectionFilter,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<InspectionSummary>> {
        self.read(|conn| {
            let mut w = Where::of(conn, filter)?;
            let page =
                w.bind(" ORDER BY updated_at DESC, doc_id LIMIT ? OFFSET ?", vec![Box::new(limit), Box::new(offset)]);
            let sql = format!(
                "SELECT doc_id, jurisdiction_id, place_id, shift, mode, started_at, conclusion, departments, answered,
                        violations, has_conflicts, updated_at FROM inspections{}{page}",
                w.sql
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(w.args.iter()), |r| {
                let departments: String = r.get(7)?;
                Ok(InspectionSummary {
                    id: r.get(0)?,
                    jurisdiction_id: r.get(1)?,
                    place_id: r.get(2)?,
                    shift: Shift::parse(&r.get::<_, String>(3)?).unwrap_or(Shift::Day),
                    mode: Mode::parse(&r.get::<_, String>(4)?).unwrap_or(Mode::Spot),
                    started_at_ms: r.get(5)?,
                    conclusion: r.get::<_, Option<String>>(6)?.and_then(|c| Conclusion::parse(&c)),
                    departments: departments.split(',').filter(|d| !d.is_empty()).map(str::to_owned).collect(),
                    answered: r.get(8)?,
                    violations: r.get(9)?,
                    has_conflicts: r.get(10)?,
                    updated_at_ms: r.get(11)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// How many inspections the filter selects (the list's total, for paging).
    pub fn count_inspections(&self, filter: &InspectionFilter) -> Result<u64> {
        self.read(|conn| {
            let w = Where::of(conn, filter)?;
            let sql = format!("SELECT count(*) FROM inspections{}", w.sql);
            let n: i64 =
                conn.prepare_cached(&sql)?.query_row(rusqlite::params_from_iter(w.args.iter()), |r| r.get(0))?;
            Ok(n as u64)
        })
    }
}

/// The WHERE clause of an inspection filter over the projection, with its parameters.
struct Where {
    sql: String,
    args: Vec<Box<dyn rusqlite::ToSql>>,
}

impl Where {
    fn of(conn: &rusqlite::Connection, f: &InspectionFilter) -> Result<Where> {
        let mut w = Where { sql: String::from(" WHERE 1 = 1"), args: Vec::new() };
        let mut and = |clause: &str, args: Vec<Box<dyn rusqlite::ToSql>>| {
            let bound = w.bind(clause, args);
            w.sql.push_str(&bound);
        };
        if let Some(j) = &f.jurisdiction_id {
            let path = super::reference::path_of(conn, j)?;
            and(
                " AND jurisdiction_id IN (SELECT id FROM jurisdictions WHERE path LIKE ? || '%')",
                vec![Box::new(path)],
            );
        }
        if let Some(s) = f.shift {
            and(" AND shift = ?", vec![Box::new(s.as_str())]);
        }
        if let Some(m) = f.mode {
            and(" AND mode = ?", vec![Box::new(m.as_str())]);
        }
        if let Some(c) = f.conclusion {
            and(" AND conclusion = ?", vec![Box::new(c.as_str())]);
        }
        match f.concluded {
            Some(true) => and(" AND conclusion IS NOT NULL", vec![]),
            Some(false) => and(" AND conclusion IS NULL", vec![]),
            None => {}
        }
        if let Some(r) = f.review {
            and(" AND review = ?", vec![Box::new(r.as_str())]);
        }
        match f.reviewed {
            Some(true) => and(" AND review IS NOT NULL", vec![]),
            Some(false) => and(" AND review IS NULL", vec![]),
            None => {}
        }
        if let Some(d) = &f.department {
            and(" AND (',' || departments || ',') LIKE '%,' || ? || ',%'", vec![Box::new(d.clone())]);
        }
        if let Some(t) = f.started_from_ms {
            and(" AND started_at >= ?", vec![Box::new(t)]);
        }
        if let Some(t) = f.started_to_ms {
            and(" AND started_at < ?", vec![Box::new(t)]);
        }
        if let Some(c) = f.has_conflicts {
            and(" AND has_conflicts = ?", vec![Box::new(c)]);
        }
        if let Some(p) = f.photos_pending {
            and(
                " AND EXISTS (SELECT 1 FROM evidence e WHERE e.record_id = inspections.doc_id AND e.bytes_present = 0) = ?",
                vec![Box::new(p)],
            );
        }
        if let Some(m) = f.text.as_deref().and_then(TextMatch::parse) {
            let c = m.condition();
            and(
                &format!(
                    " AND (doc_id IN (SELECT doc_id FROM search WHERE {c})
                      OR place_id IN (SELECT doc_id FROM search WHERE {c}) OR instr(doc_id, ?) > 0)"
                ),
                vec![Box::new(m.arg()), Box::new(m.arg()), Box::new(m.text().to_owned())],
            );
        }
        Ok(w)
    }

    /// `clause` with each `?` numbered after the parameters so far, which `args` join.
    fn bind(&mut self, clause: &str, args: Vec<Box<dyn rusqlite::ToSql>>) -> String {
        let mut out = String::with_capacity(clause.len() + 8);
        let mut args = args.into_iter();
        for ch in clause.chars() {
            if ch == '?' {
                self.args.push(args.next().expect("one argument per placeholder"));
                out.push_str(&format!("?{}", self.args.len()));
            } else {
                out.push(ch);
            }
        }
        out
    }
}

impl Inner {
    pub(crate) fn inspection(&mut self, id: &str) -> Result<Inspection> {
        Ok(materialize(id, &self.record(id, RecordKind::Inspection)?))
    }

    fn place_type(&self, place_id: &str) -> Result<Option<PlaceType>> {
        let t: Option<String> = self
            .conn
            .query_row("SELECT place_type FROM places WHERE doc_id = ?1", [place_id], |r| r.get(0))
            .optional()?;
        Ok(t.and_then(|t| PlaceType::parse(&t)))
    }
}

fn place_type(v: &DocView<'_>) -> Option<PlaceType> {
    v.str("place_type").and_then(|t| PlaceType::parse(&t))
}

fn team_entry(officer: &Officer) -> Edit {
    let key = if officer.cert_no.is_empty() { officer.name.clone() } else { officer.cert_no.clone() };
    Edit::Entry("team", key, serde_json::to_value(officer).expect("plain JSON"))
}

fn materialize(id: &str, v: &DocView<'_>) -> Inspection {
    let mut findings: Vec<Finding> = v.entries("findings").into_iter().map(|(_, f)| f).collect();
    findings.sort_by(|a: &Finding, b| (a.seq, a.at_ms, &a.id).cmp(&(b.seq, b.at_ms, &b.id)));
    Inspection {
        id: id.to_owned(),
        template_id: v.str("template_id").unwrap_or_default(),
        template_version: v.i64("template_version").unwrap_or(0) as u32,
        jurisdiction_id: v.str("jurisdiction_id").unwrap_or_default(),
        shift: v.str("shift").and_then(|s| Shift::parse(&s)).unwrap_or(Shift::Day),
        mode: v.str("mode").and_then(|s| Mode::parse(&s)).unwrap_or(Mode::Spot),
        approach: v.str("approach").and_then(|s| crate::Approach::parse(&s)).unwrap_or(crate::Approach::Open),
        place_id: v.str("place_id"),
        ledger_id: v.str("ledger_id"),
        started_at_ms: v.i64("started_at").unwrap_or(0),
        ended_at_ms: v.i64("ended_at"),
        team: v.entries("team").into_iter().map(|(_, o)| o).collect(),
        answers: v.entries("answers").into_iter().map(|(_, a)| a).collect(),
        findings,
        evidence: v.entries("evidence").into_iter().map(|(_, e)| e).collect(),
        conclusion: v.str("conclusion").and_then(|s| Conclusion::parse(&s)),
        review: v.str("review").and_then(|s| Review::parse(&s)),
        review_reason: v.str("review_reason").filter(|r| !r.is_empty()),
        conflicts: v.conflicts(),
    }
}

fn check_answer(
    t: &ChecklistTemplate,
    shift: Shift,
    place_type: Option<PlaceType>,
    item_id: &str,
    value: &AnswerValue,
) -> Result<()> {
    let item = t.item(item_id).ok_or_else(|| Error::UnknownItem {
        item: item_id.to_owned(),
        template: t.id.clone(),
        version: t.version,
    })?;
    let fits = matches!(
        (item.answer_type, value),
        (AnswerType::YesNo, AnswerValue::Yes | AnswerValue::No | AnswerValue::NotApplicable)
            | (AnswerType::Count, AnswerValue::Count(_))
            | (AnswerType::Text, AnswerValue::Text(_))
    );
    if !fits {
        let expected = match item.answer_type {
            AnswerType::YesNo => "yes/no/not applicable",
            AnswerType::Count => "a count",
            AnswerType::Text => "text",
        };
        return Err(Error::WrongAnswerType { item: item_id.to_owned(), expected, got: value.type_name() });
    }
    if let Some(why) = item.not_applicable_because(shift, place_type) {
        return Err(Error::ItemNotApplicable { item: item_id.to_owned(), why });
    }
    Ok(())
}

fn check_conclusion(
    t: &ChecklistTemplate,
    i: &Inspection,
    place_type: Option<PlaceType>,
    conclusion: Conclusion,
) -> Result<()> {
    let mut problems = Vec::new();
    if let Some(c) = i.conflicts.iter().find(|c| c.field.starts_with("answers.")) {
        problems.push(format!("检查项 {} 有多人填写的不同答案，请先确定", &c.field["answers.".len()..]));
    }
    let mut violations = 0;
    for item in t.items.iter().filter(|it| it.not_applicable_because(i.shift, place_type).is_none()) {
        match i.answers.iter().find(|a| a.item_id == item.id) {
            None => problems.push(format!("检查项 {} 未作答", item.id)),
            Some(a) if a.value == AnswerValue::Yes => {
                violations += 1;
                if a.note.is_empty() {
                    problems.push(format!("检查项 {} 答“是”，但未填写说明", item.id));
                }
                if !i.evidence.iter().any(|e| e.item_id.as_deref() == Some(item.id.as_str())) {
                    problems.push(format!("检查项 {} 答“是”，但没有证据", item.id));
                }
            }
            Some(_) => {}
        }
    }
    if conclusion == Conclusion::NoProblem && violations > 0 {
        problems.push(format!("有 {violations} 个检查项答“是”，结论不能是“无问题”"));
    }
    if problems.is_empty() { Ok(()) } else { Err(Error::NotReady(problems.join("；"))) }
}

pub(crate) fn project(tx: &Transaction<'_>, id: &str, v: &DocView<'_>) -> Result<String> {
    let i = materialize(id, v);
    let mut departments: Vec<&str> = i.team.iter().map(|o| o.department.as_str()).filter(|d| !d.is_empty()).collect();
    departments.sort();
    departments.dedup();
    let violations = i.answers.iter().filter(|a| a.value == AnswerValue::Yes).count();
    tx.prepare_cached(
        "INSERT OR REPLACE INTO inspections (doc_id, jurisdiction_id, place_id, ledger_id, template_id, template_version,
            shift, mode, approach, started_at, ended_at, conclusion, review, departments, answered, violations,
            has_conflicts, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    )?
    .execute(params![
        id,
        i.jurisdiction_id,
        i.place_id,
        i.ledger_id,
        i.template_id,
        i.template_version,
        i.shift.as_str(),
        i.mode.as_str(),
        i.approach.as_str(),
        i.started_at_ms,
        i.ended_at_ms,
        i.conclusion.map(Conclusion::as_str),
        i.review.map(Review::as_str),
        departments.join(","),
        i.answers.len() as i64,
        violations as i64,
        !i.conflicts.is_empty(),
        now_ms(),
    ])?;
    let texts = i
        .answers
        .iter()
        .map(|a| a.note.as_str())
        .chain(i.findings.iter().map(|f| f.text.as_str()))
        .chain(i.team.iter().map(|o| o.name.as_str()))
        .chain(i.review_reason.as_deref());
    Ok(search_text(texts))
}
