import XCTest
import XunchaCore

/// Error paths: the error case and the exact message the app would show.
final class ErrorsTests: XCTestCase {
    var store: XunchaStore!
    var inspections: Inspections!
    var id: String!

    override func setUpWithError() throws {
        store = try deviceStore(try temporaryDirectory(self))
        inspections = Inspections(store: store)
        id = try inspections.start(template: try store.checklist(), jurisdictionId: Fixtures.grid)
    }

    override func tearDown() {
        store = nil
        inspections = nil
    }

    func testUnknownChecklistItem() {
        let e = apiError { try self.store.answerItem(id: self.id, itemId: "I99", value: .no, note: "") }
        XCTAssertEqual(e, .InvalidInput(message: "checklist item I99 is not in template hidden-tutoring version 1"))
    }

    func testWrongAnswerType() {
        let e = apiError { try self.store.answerItem(id: self.id, itemId: "I15", value: .yes, note: "") }
        XCTAssertEqual(e, .InvalidInput(message: "checklist item I15 expects a count, but got yes/no/not applicable"))
        let t = apiError { try self.inspections.answerCount(self.id, item: "I01", count: 3) }
        XCTAssertEqual(t, .InvalidInput(message: "checklist item I01 expects yes/no/not applicable, but got a count"))
    }

    func testItemThatDoesNotApplyToThisCheck() {
        let e = apiError { try self.inspections.answerNo(self.id, item: "I14") }
        XCTAssertEqual(e, .InvalidInput(message:
            "checklist item I14 does not apply to this inspection: it is asked only on night checks, this is a day check"))
    }

    func testIllegalCaseTransition() throws {
        let caseId = try store.openCase(new: NewCase(
            jurisdictionId: Fixtures.community, source: .tip, summary: "随手拍：楼栋内疑似培训"))
        let e = apiError { try self.store.advanceCase(id: caseId, to: .closed, details: StepDetails()) }
        XCTAssertEqual(e, .InvalidInput(message: "a case in state received cannot move to closed; allowed next: verifying"))
        XCTAssertEqual(try store.case(id: caseId).state, .received)
    }

    func testUnknownRecordsAndTemplates() {
        XCTAssertEqual(apiError { _ = try self.store.inspection(id: "insp-missing") },
                       .NotFound(message: "record insp-missing was not found"))
        let e = apiError {
            _ = try self.store.startInspection(new: NewInspection(
                templateId: Fixtures.template, templateVersion: 9, jurisdictionId: Fixtures.grid,
                shift: .day, mode: .spot, approach: .open))
        }
        XCTAssertEqual(e, .NotFound(message: "checklist template hidden-tutoring version 9 is not known to this store"))
    }

    func testNobodySignedIn() throws {
        try store.signOut()
        let e = apiError { try self.inspections.addFinding(self.id, text: "现场有学生") }
        XCTAssertEqual(e, .NotSignedIn(message: "no officer is signed in on this device"))
    }

    func testBadInputValues() throws {
        let json = apiError { _ = try self.store.loadTemplateJson(json: "{\"id\": 1}") }
        guard case let .InvalidInput(message) = json else { return XCTFail("got \(String(describing: json))") }
        XCTAssertTrue(message.hasPrefix("invalid checklist template JSON: "), message)
        let patrol = try store.startPatrol(gridId: Fixtures.grid)
        XCTAssertEqual(apiError {
            try self.store.addPatrolPoint(id: patrol, point: PatrolPoint(lat: 91, lon: 106.9, accuracyM: 5, atMs: 0))
        }, .InvalidInput(message: "invalid latitude: 91 is outside -90..90"))
        XCTAssertEqual(apiError { _ = try self.store.startPatrol(gridId: Fixtures.community) },
                       .InvalidInput(message: "invalid patrol grid: qs-yx-gx-hq is not a grid"))
    }

    func testErrorTextCarriesIdsNotWhatOfficersWrote() throws {
        try inspections.answerYes(id, item: "I02", note: "张某某 13800000000 在家授课")
        let message = apiError { try self.inspections.conclude(self.id, .confirmed) }?.message ?? ""
        XCTAssertTrue(message.contains("item I02 is answered yes without evidence"), message)
        XCTAssertFalse(message.contains("13800000000") || message.contains("林晓雯"), message)
    }
}
