//! `XunchaStore`: the one object apps hold. Each method is a short call into
//! `xuncha_core::Store`, which is `Send + Sync` (one writer at a time), so one instance may be
//! used from any number of threads.

use crate::error::{ApiResult, bad_json};
use std::sync::{Arc, Mutex};
use xuncha_core as core;
use xuncha_core::{
    AnswerValue, AuditEntry, Case, CaseState, CaseSummary, ChecklistItem, ChecklistTemplate, Conclusion,
    DeviceIdentity, Inspection, InspectionFilter, InspectionSummary, Jurisdiction, LedgerEntry, LedgerStatus, NewCase,
    NewInspection, NewLedgerEntry, Officer, PatrolLog, PatrolPoint, PatrolResult, PatrolSummary, Place, Review,
    SearchHit, StepDetails,
};

#[derive(uniffi::Object)]
pub struct XunchaStore {
    pub(crate) inner: core::Store,
    /// Held for the whole of a server sync: a background sync and one the officer started
    /// run one after the other, not interleaved.
    pub(crate) syncing: Mutex<()>,
}

impl XunchaStore {
    pub(crate) fn wrap(inner: core::Store) -> Arc<Self> {
        Arc::new(XunchaStore { inner, syncing: Mutex::new(()) })
    }

    /// The store, for anything the officer does through the app: the one place where a locked
    /// app (`ApiError.Locked`) or a wiped store (`ApiError.DeviceRevoked`) is refused, by
    /// core's rule (`Store::check_access`). Each call counts as activity for the idle timeout.
    pub(crate) fn store(&self) -> ApiResult<&core::Store> {
        self.inner.check_access(crate::lock::now_ms())?;
        Ok(&self.inner)
    }
}

#[uniffi::export]
impl XunchaStore {
    /// Opens (creating if needed) the store in directory `dir`, upgrading an older database.
    #[uniffi::constructor]
    pub fn open(dir: String) -> ApiResult<Arc<Self>> {
        Ok(XunchaStore::wrap(core::Store::open(dir)?))
    }

    /// Readable while locked: the lock screen shows who is signed in.
    pub fn identity(&self) -> DeviceIdentity {
        self.inner.identity()
    }

    pub fn sign_in(&self, officer: Officer) -> ApiResult<()> {
        Ok(self.store()?.sign_in(officer)?)
    }

    pub fn sign_out(&self) -> ApiResult<()> {
        Ok(self.store()?.sign_out()?)
    }

    // --- reference data -------------------------------------------------------------------

    /// Stores a checklist template given as JSON (the format of the files in `fixtures/checklists`).
    pub fn load_template_json(&self, json: String) -> ApiResult<ChecklistTemplate> {
        let t: core::ChecklistTemplate = serde_json::from_str(&json).map_err(|e| bad_json("检查表", e))?;
        self.store()?.add_template(&t)?;
        Ok(t)
    }

    /// Adds or updates jurisdiction nodes given as a JSON array, parents first.
    pub fn load_jurisdictions_json(&self, json: String) -> ApiResult<u32> {
        let nodes: Vec<core::Jurisdiction> = serde_json::from_str(&json).map_err(|e| bad_json("辖区", e))?;
        self.store()?.upsert_jurisdictions(&nodes)?;
        Ok(nodes.len() as u32)
    }

    pub fn template(&self, id: String, version: u32) -> ApiResult<ChecklistTemplate> {
        Ok(self.store()?.template(&id, version)?)
    }

    pub fn latest_template(&self, id: String) -> ApiResult<ChecklistTemplate> {
        Ok(self.store()?.latest_template(&id)?)
    }

    pub fn jurisdiction(&self, id: String) -> ApiResult<Jurisdiction> {
        Ok(self.store()?.jurisdiction(&id)?)
    }

    /// The node and everything below it, parents before children.
    pub fn jurisdiction_subtree(&self, id: String) -> ApiResult<Vec<Jurisdiction>> {
        Ok(self.store()?.jurisdiction_subtree(&id)?)
    }

    // --- places and ledger ----------------------------------------------------------------

    pub fn add_place(&self, place: Place) -> ApiResult<String> {
        Ok(self.store()?.add_place(&place)?)
    }

    pub fn place(&self, id: String) -> ApiResult<Place> {
        Ok(self.store()?.place(&id)?)
    }

    pub fn list_places(&self, jurisdiction_id: String) -> ApiResult<Vec<Place>> {
        Ok(self.store()?.list_places(&jurisdiction_id)?)
    }

    pub fn add_ledger_entry(&self, entry: NewLedgerEntry) -> ApiResult<String> {
        Ok(self.store()?.add_ledger_entry(&entry)?)
    }

    pub fn move_ledger_entry(&self, id: String, status: LedgerStatus, reason: String) -> ApiResult<()> {
        Ok(self.store()?.move_ledger_entry(&id, status, &reason)?)
    }

    pub fn ledger_entry(&self, id: String) -> ApiResult<LedgerEntry> {
        Ok(self.store()?.ledger_entry(&id)?)
    }

    // --- inspections ----------------------------------------------------------------------

    /// Starts an inspection; the signed-in officer is its first team member. Returns its id.
    pub fn start_inspection(&self, new: NewInspection) -> ApiResult<String> {
        Ok(self.store()?.start_inspection(new)?)
    }

    /// Adds another officer to the team (the leader does this before going out), so the
    /// inspection reaches that officer's phone at the next sync.
    pub fn add_team_member(&self, id: String, member: Officer) -> ApiResult<()> {
        Ok(self.store()?.add_team_member(&id, &member)?)
    }

    pub fn join_inspection(&self, id: String) -> ApiResult<()> {
        Ok(self.store()?.join_inspection(&id)?)
    }

    pub fn answer_item(&self, id: String, item_id: String, value: AnswerValue, note: String) -> ApiResult<()> {
        Ok(self.store()?.answer_item(&id, &item_id, value, &note)?)
    }

    /// Records a finding; returns its id.
    pub fn add_finding(&self, id: String, text: String) -> ApiResult<String> {
        Ok(self.store()?.add_finding(&id, &text)?)
    }

    pub fn conclude_inspection(&self, id: String, conclusion: Conclusion) -> ApiResult<()> {
        Ok(self.store()?.conclude_inspection(&id, conclusion)?)
    }

    pub fn review_inspection(&self, id: String, review: Review, reason: String) -> ApiResult<()> {
        Ok(self.store()?.review_inspection(&id, review, &reason)?)
    }

    pub fn inspection(&self, id: String) -> ApiResult<Inspection> {
        Ok(self.store()?.inspection(&id)?)
    }

    /// A page of the inspection list, newest first.
    pub fn list_inspections(
        &self,
        filter: InspectionFilter,
        limit: u32,
        offset: u32,
    ) -> ApiResult<Vec<InspectionSummary>> {
        Ok(self.store()?.list_inspections(&filter, limit, offset)?)
    }

    pub fn search(&self, query: String, limit: u32) -> ApiResult<Vec<SearchHit>> {
        Ok(self.store()?.search(&query, limit)?)
    }

    /// Every field edit of a record, oldest first.
    pub fn audit_trail(&self, record_id: String) -> ApiResult<Vec<AuditEntry>> {
        Ok(self.store()?.audit_trail(&record_id)?)
    }

    // --- cases ----------------------------------------------------------------------------

    pub fn open_case(&self, new: NewCase) -> ApiResult<String> {
        Ok(self.store()?.open_case(&new)?)
    }

    pub fn advance_case(&self, id: String, to: CaseState, details: StepDetails) -> ApiResult<()> {
        Ok(self.store()?.advance_case(&id, to, &details)?)
    }

    pub fn assign_case(&self, id: String, department: String, deadline_ms: Option<i64>) -> ApiResult<()> {
        Ok(self.store()?.assign_case(&id, &department, deadline_ms)?)
    }

    pub fn case(&self, id: String) -> ApiResult<Case> {
        Ok(self.store()?.case(&id)?)
    }

    pub fn list_cases(&self, jurisdiction_id: String, state: Option<CaseState>) -> ApiResult<Vec<CaseSummary>> {
        Ok(self.store()?.list_cases(&jurisdiction_id, state)?)
    }

    // --- patrols --------------------------------------------------------------------------

    pub fn start_patrol(&self, grid_id: String) -> ApiResult<String> {
        Ok(self.store()?.start_patrol(&grid_id)?)
    }

    pub fn add_patrol_point(&self, id: String, point: PatrolPoint) -> ApiResult<()> {
        Ok(self.store()?.add_patrol_point(&id, point)?)
    }

    pub fn finish_patrol(&self, id: String, result: PatrolResult, note: String) -> ApiResult<()> {
        Ok(self.store()?.finish_patrol(&id, result, &note)?)
    }

    pub fn patrol(&self, id: String) -> ApiResult<PatrolLog> {
        Ok(self.store()?.patrol(&id)?)
    }

    /// Patrols of the grids in a jurisdiction subtree started in [from_ms, to_ms), newest first.
    pub fn list_patrols(&self, jurisdiction_id: String, from_ms: i64, to_ms: i64) -> ApiResult<Vec<PatrolSummary>> {
        Ok(self.store()?.list_patrols(&jurisdiction_id, from_ms, to_ms)?)
    }

    /// The checklist items that apply to this inspection (its shift and place type), in order.
    pub fn applicable_items(&self, inspection_id: String) -> ApiResult<Vec<ChecklistItem>> {
        Ok(self.store()?.applicable_items(&inspection_id)?)
    }
}
