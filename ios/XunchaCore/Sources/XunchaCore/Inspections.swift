// The inspection calls of the iOS screens, with defaults and typed answers. Thin: each function
// is one call into the store; errors are the store's `ApiError`.
public struct Inspections: Sendable {
    public let store: XunchaStore

    public init(store: XunchaStore) {
        self.store = store
    }

    /// Starts an inspection against `template` in `jurisdictionId`; returns its id.
    public func start(
        template: ChecklistTemplate, jurisdictionId: String, shift: Shift = .day, mode: Mode = .joint,
        approach: Approach = .open, placeId: String? = nil, ledgerId: String? = nil
    ) throws -> String {
        try store.startInspection(new: NewInspection(
            templateId: template.id, templateVersion: template.version, jurisdictionId: jurisdictionId,
            shift: shift, mode: mode, approach: approach, placeId: placeId, ledgerId: ledgerId))
    }

    /// Joins a colleague's inspection as a team member (after it reached this device).
    public func join(_ id: String) throws {
        try store.joinInspection(id: id)
    }

    /// A violation was seen. Concluding later needs a note and evidence on this item.
    public func answerYes(_ id: String, item: String, note: String) throws {
        try store.answerItem(id: id, itemId: item, value: .yes, note: note)
    }

    public func answerNo(_ id: String, item: String, note: String = "") throws {
        try store.answerItem(id: id, itemId: item, value: .no, note: note)
    }

    public func answerNotApplicable(_ id: String, item: String, note: String = "") throws {
        try store.answerItem(id: id, itemId: item, value: .notApplicable, note: note)
    }

    public func answerCount(_ id: String, item: String, count: UInt32, note: String = "") throws {
        try store.answerItem(id: id, itemId: item, value: .count(count), note: note)
    }

    public func answerText(_ id: String, item: String, text: String, note: String = "") throws {
        try store.answerItem(id: id, itemId: item, value: .text(text), note: note)
    }

    /// Records a finding; returns its id.
    @discardableResult
    public func addFinding(_ id: String, text: String) throws -> String {
        try store.addFinding(id: id, text: text)
    }

    /// Concludes; refused (`ApiError.NotReady`) with the reasons while the checklist is incomplete.
    public func conclude(_ id: String, _ conclusion: Conclusion) throws {
        try store.concludeInspection(id: id, conclusion: conclusion)
    }

    public func get(_ id: String) throws -> Inspection {
        try store.inspection(id: id)
    }

    /// A page of the inspection list, newest first.
    public func list(filter: InspectionFilter = InspectionFilter(), limit: UInt32 = 50, offset: UInt32 = 0) throws
        -> [InspectionSummary]
    {
        try store.listInspections(filter: filter, limit: limit, offset: offset)
    }
}
