import Foundation
import XCTest
import XunchaCore

final class InspectionTests: XCTestCase {
    func testOpensStoreSignsInAndLoadsReferenceData() throws {
        let dir = try temporaryDirectory(self)
        do {
            let store = try Xuncha.open(directory: dir.appendingPathComponent("d"))
            XCTAssertFalse(store.identity().deviceId.isEmpty)
            XCTAssertNil(store.identity().officer)
            try store.signIn(officer: Fixtures.education)
            XCTAssertEqual(store.identity().officer, Fixtures.education)
            let template = try store.loadTemplateJson(json: Fixtures.templateJSON)
            XCTAssertEqual(template.items.count, 16)
            XCTAssertEqual(template.title, "隐形变异学科类校外培训检查清单")
            XCTAssertEqual(try store.loadJurisdictionsJson(json: Fixtures.jurisdictionsJSON), 16)
            XCTAssertEqual(try store.jurisdictionSubtree(id: Fixtures.community).map(\.id),
                           [Fixtures.community, "qs-yx-gx-hq-g1", "qs-yx-gx-hq-g2"])
        }
        // Reopening finds the officer and the reference data again.
        let again = try Xuncha.open(directory: dir.appendingPathComponent("d"))
        XCTAssertEqual(again.identity().officer, Fixtures.education)
        XCTAssertEqual(try again.checklist().version, 1)
    }

    func testWholeInspectionFromTemplateToConclusion() throws {
        let store = try deviceStore(try temporaryDirectory(self))
        let inspections = Inspections(store: store)
        let id = try inspections.start(template: try store.checklist(), jurisdictionId: Fixtures.grid)
        try inspections.answerAllClear(id)
        let findingId = try inspections.addFinding(id, text: "门口张贴“暑期一对一辅导”小广告，已拍照")
        try inspections.conclude(id, .noProblem)

        let done = try inspections.get(id)
        XCTAssertEqual(done.conclusion, .noProblem)
        XCTAssertNotNil(done.endedAtMs)
        XCTAssertEqual(done.team, [Fixtures.education])
        XCTAssertEqual(done.answers.count, 13)
        XCTAssertTrue(done.answers.allSatisfy {
            $0.answeredBy == Fixtures.education && $0.deviceId == store.identity().deviceId
        })
        XCTAssertEqual(done.findings.map(\.id), [findingId])

        let rows = try inspections.list(filter: InspectionFilter(jurisdictionId: Fixtures.county, shift: .day))
        XCTAssertEqual(rows.map(\.id), [id])
        XCTAssertEqual(rows.first?.answered, 13)
        XCTAssertEqual(rows.first?.departments, ["教育局"])

        let hits = try store.search(query: "一对一", limit: 10)
        XCTAssertEqual(hits.map(\.recordId), [id])
        XCTAssertEqual(hits.first?.kind, .inspection)

        let audit = try store.auditTrail(recordId: id)
        XCTAssertTrue(audit.contains { $0.field == "conclusion" && $0.certNo == "QS-JY-2023-0117" })
    }

    func testYesWithoutNoteOrEvidenceIsRefusedAtConclusionNamingTheItem() throws {
        let store = try deviceStore(try temporaryDirectory(self))
        let inspections = Inspections(store: store)
        let id = try inspections.start(template: try store.checklist(), jurisdictionId: Fixtures.grid)
        try inspections.answerAllClear(id)
        try inspections.answerYes(id, item: "I07", note: "")
        let e = apiError { try inspections.conclude(id, .suspected) }
        guard case .NotReady = e else { return XCTFail("expected NotReady, got \(String(describing: e))") }
        XCTAssertEqual(e?.message, "检查还不能下结论：检查项 I07 答“是”，但未填写说明；检查项 I07 答“是”，但没有证据 (not_ready)")
        try inspections.answerYes(id, item: "I07", note: "在职教师在出租屋内授课")
        let again = apiError { try inspections.conclude(id, .noProblem) }
        XCTAssertEqual(again?.message, "检查还不能下结论：检查项 I07 答“是”，但没有证据；有 1 个检查项答“是”，结论不能是“无问题” (not_ready)")
        XCTAssertNil(try inspections.get(id).conclusion)
    }

    func testLeadGoesAroundTheClosedLoop() throws {
        let store = try deviceStore(try temporaryDirectory(self))
        let caseId = try store.openCase(new: NewCase(
            jurisdictionId: Fixtures.community, source: .hotline, summary: "12345热线：小区内疑似有偿补课"))
        let path: [CaseState] = [.verifying, .investigating, .decided, .feedbackGiven, .closed]
        for to in path {
            try store.advanceCase(id: caseId, to: to, details: StepDetails(department: "教育局", note: "→ \(to)"))
            // Core orders steps by (time in ms, random id): two steps in one millisecond may swap.
            Thread.sleep(forTimeInterval: 0.002)
        }
        let found = try store.case(id: caseId)
        XCTAssertEqual(found.state, .closed)
        XCTAssertEqual(found.steps.map(\.to), path)
        XCTAssertEqual(try store.listCases(jurisdictionId: Fixtures.county, state: .closed).map(\.id), [caseId])
    }

    func testPatrolWithNothingFoundIsRecorded() throws {
        let store = try deviceStore(try temporaryDirectory(self))
        let id = try store.startPatrol(gridId: Fixtures.grid)
        try store.addPatrolPoint(id: id, point: PatrolPoint(
            lat: 26.61, lon: 106.91, accuracyM: 8, atMs: Int64(Date().timeIntervalSince1970 * 1000)))
        try store.finishPatrol(id: id, result: .nothingFound, note: "")
        let log = try store.patrol(id: id)
        XCTAssertEqual(log.result, .nothingFound)
        XCTAssertEqual(log.points.count, 1)
        XCTAssertEqual(log.officer, "林晓雯")
    }
}
