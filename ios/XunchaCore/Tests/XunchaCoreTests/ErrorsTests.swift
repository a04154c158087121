import XCTest
import XunchaCore

/// Error paths: the error case and the exact Chinese message (with its code) the app shows.
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
        XCTAssertEqual(e, .InvalidInput(message: "检查项 I99 不在检查表 hidden-tutoring（第 1 版）中 (invalid)"))
    }

    func testWrongAnswerType() {
        let e = apiError { try self.store.answerItem(id: self.id, itemId: "I15", value: .yes, note: "") }
        XCTAssertEqual(e, .InvalidInput(message: "检查项 I15 应填写数量 (invalid)"))
        let t = apiError { try self.inspections.answerCount(self.id, item: "I01", count: 3) }
        XCTAssertEqual(t, .InvalidInput(message: "检查项 I01 应填写“是 / 否 / 不适用” (invalid)"))
    }

    func testItemThatDoesNotApplyToThisCheck() {
        let e = apiError { try self.inspections.answerNo(self.id, item: "I14") }
        XCTAssertEqual(e, .InvalidInput(message:
            "检查项 I14 不适用于本次检查：该项仅在夜查时检查，本次是日查 (invalid)"))
    }

    func testIllegalCaseTransition() throws {
        let caseId = try store.openCase(new: NewCase(
            jurisdictionId: Fixtures.community, source: .tip, summary: "随手拍：楼栋内疑似培训"))
        let e = apiError { try self.store.advanceCase(id: caseId, to: .closed, details: StepDetails()) }
        XCTAssertEqual(e, .InvalidInput(message: "案件处于“投诉接收”环节，不能直接转到“办结”，下一步只能是：核查 (illegal_transition)"))
        XCTAssertEqual(try store.case(id: caseId).state, .received)
    }

    func testUnknownRecordsAndTemplates() {
        XCTAssertEqual(apiError { _ = try self.store.inspection(id: "insp-missing") },
                       .NotFound(message: "找不到记录 insp-missing (not_found)"))
        let e = apiError {
            _ = try self.store.startInspection(new: NewInspection(
                templateId: Fixtures.template, templateVersion: 9, jurisdictionId: Fixtures.grid,
                shift: .day, mode: .spot, approach: .open))
        }
        XCTAssertEqual(e, .NotFound(message: "本机没有检查表 hidden-tutoring（第 9 版），请先同步后再试 (not_found)"))
    }

    func testNobodySignedIn() throws {
        try store.signOut()
        let e = apiError { try self.inspections.addFinding(self.id, text: "现场有学生") }
        XCTAssertEqual(e, .NotSignedIn(message: "本机尚未登录检查人员，请先登录 (not_signed_in)"))
    }

    func testBadInputValues() throws {
        let json = apiError { _ = try self.store.loadTemplateJson(json: "{\"id\": 1}") }
        guard case let .InvalidInput(message) = json else { return XCTFail("got \(String(describing: json))") }
        XCTAssertTrue(message.hasPrefix("检查表数据格式不正确（第 1 行第 "), message)
        let patrol = try store.startPatrol(gridId: Fixtures.grid)
        XCTAssertEqual(apiError {
            try self.store.addPatrolPoint(id: patrol, point: PatrolPoint(lat: 91, lon: 106.9, accuracyM: 5, atMs: 0))
        }, .InvalidInput(message: "纬度 91 超出 -90 到 90 的范围 (invalid)"))
        XCTAssertEqual(apiError { _ = try self.store.startPatrol(gridId: Fixtures.community) },
                       .InvalidInput(message: "qs-yx-gx-hq 不是网格，巡查须在网格内进行 (invalid)"))
    }

    func testErrorTextCarriesIdsNotWhatOfficersWrote() throws {
        try inspections.answerYes(id, item: "I02", note: "张某某 13800000000 在家授课")
        let message = apiError { try self.inspections.conclude(self.id, .confirmed) }?.message ?? ""
        XCTAssertTrue(message.contains("检查项 I02 答“是”，但没有证据"), message)
        XCTAssertFalse(message.contains("13800000000") || message.contains("林晓雯"), message)
    }
}
