import Foundation
import XCTest
import XunchaCore

/// Sync with a real server on loopback: the demo server scripts/test starts (xuncha-server --demo).
final class ServerSyncTests: XCTestCase {
    struct Progress: Equatable {
        let phase: Phase
        let done: UInt64
        let total: UInt64
    }

    func testEnrolsWithOneTimeCodePullsTheDemoCountyPushesInspectionWithPhoto() throws {
        let url = try DemoServer.url()
        let store = try Xuncha.open(directory: try temporaryDirectory(self).appendingPathComponent("phone"))
        try store.loadReference(templateJSON: Fixtures.templateJSON, jurisdictionsJSON: Fixtures.jurisdictionsJSON)
        XCTAssertFalse(try store.syncStatus().enrolled)
        XCTAssertEqual(apiError { _ = try store.sync(progress: SyncProgressHandler { _, _, _ in }) },
                       .NotEnrolled(message: "本机尚未登记到服务器，请向管理员索取登记码完成登记 (not_enrolled)"))

        let code = try DemoServer.enrollmentCode("lin")
        let user = try store.enroll(serverUrl: url, code: code)
        XCTAssertEqual(user, UserInfo(username: "lin", name: "林晓雯", role: "inspector", jurisdictionId: "qs-yx",
                                      department: "教育局", certNo: "QS-JY-2023-0117"))
        try store.signIn(officer: Officer(name: user.name, department: user.department, certNo: user.certNo))
        let again = apiError { _ = try store.enroll(serverUrl: url, code: code) }
        guard case let .Refused(message) = again else { return XCTFail("\(String(describing: again))") }
        XCTAssertTrue(message.hasSuffix("(refused)") && message.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }, message)

        // First sync: the county's places and the demo day's records come down.
        let calls = Locked<[Progress]>([])
        let progress = SyncProgressHandler { phase, done, total in
            calls.with { $0.append(Progress(phase: phase, done: done, total: total)) }
        }
        let first = try store.sync(progress: progress)
        var phases: [Phase] = []
        for call in calls.get where phases.last != call.phase { phases.append(call.phase) }
        XCTAssertEqual(phases, [.pushRecords, .uploadBytes, .pullRecords])
        XCTAssertGreaterThan(first.pulledChanges, 0, "\(first)")
        let places = try store.listPlaces(jurisdictionId: Fixtures.county)
        let place = try XCTUnwrap(places.first { $0.name == "荷桥花园小区" }, "\(places.map(\.name))")
        let demo = try store.listInspections(filter: InspectionFilter(jurisdictionId: Fixtures.county), limit: 50, offset: 0)
        XCTAssertFalse(demo.isEmpty, "the demo day's inspection reached lin's phone")
        // Evidence metadata arrives before (and without) the photo bytes.
        let demoPhotos = try demo.flatMap { try store.evidenceForRecord(recordId: $0.id) }
        XCTAssertTrue(!demoPhotos.isEmpty && demoPhotos.allSatisfy { !$0.bytesPresent }, "\(demoPhotos)")

        // A new inspection with a photo is pending until the next sync.
        let inspections = Inspections(store: store)
        let id = try inspections.start(template: try store.checklist(), jurisdictionId: Fixtures.grid, placeId: place.id)
        try inspections.answerYes(id, item: "I01", note: "客厅内一名教师为一名初二学生讲授数学")
        let photo = try store.addPhoto(jpeg: try Photos.place1(),
                                       capture: Capture(recordId: id, itemId: "I01", gps: Photos.fixAtPlace1()))
        let pending = try store.syncStatus()
        XCTAssertEqual(pending.pendingRecords, 1)
        XCTAssertEqual(pending.pendingBytes, photo.payload.size)
        calls.with { $0.removeAll() }
        let second = try store.sync(progress: progress)
        XCTAssertGreaterThan(second.pushedChanges, 0, "\(second)")
        XCTAssertEqual(second.pushedEvidence, 1)
        XCTAssertEqual(second.uploadedBytes, photo.payload.size)
        XCTAssertEqual(calls.get.last { $0.phase == .uploadBytes },
                       Progress(phase: .uploadBytes, done: photo.payload.size, total: photo.payload.size))

        let status = try store.syncStatus()
        XCTAssertEqual(status.pendingRecords, 0)
        XCTAssertEqual(status.pendingChanges, 0)
        XCTAssertEqual(status.pendingBytes, 0)
        XCTAssertNil(status.lastError)
        XCTAssertNotNil(status.lastSuccessMs)
        XCTAssertTrue(status.enrolled)
        XCTAssertEqual(status.serverUrl, url)
    }

    func testWrongCodeIsRefusedAndUnreachableServerIsNetworkError() throws {
        let url = try DemoServer.url()
        let store = try deviceStore(try temporaryDirectory(self))
        let wrong = apiError { _ = try store.enroll(serverUrl: url, code: "000000") }
        guard case let .Refused(refused) = wrong else { return XCTFail("\(String(describing: wrong))") }
        XCTAssertTrue(refused.hasSuffix("(refused)") && refused.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }, refused)
        let down = apiError { _ = try store.enroll(serverUrl: "http://127.0.0.1:9", code: "000000") }
        guard case let .Network(network) = down else { return XCTFail("\(String(describing: down))") }
        XCTAssertTrue(network.hasPrefix("无法连接服务器") && network.hasSuffix("(network)"), network)
        XCTAssertFalse(try store.syncStatus().enrolled)
    }
}
