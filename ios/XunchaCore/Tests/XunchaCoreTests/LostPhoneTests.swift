import Foundation
import XCTest
import XunchaCore

/// A lost phone (ADR 0013): encrypted at rest, locked after idle, wiped when revoked.
final class LostPhoneTests: XCTestCase {
    let minute: Int64 = 60_000

    func allFiles(_ dir: URL) -> [(URL, Data)] {
        guard let walker = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey]) else {
            return []
        }
        return walker.compactMap { item in
            guard let url = item as? URL,
                  (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
                  let data = try? Data(contentsOf: url) else { return nil }
            return (url, data)
        }
    }

    func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    func testTheStoreAndItsPhotosAreUnreadableOnDiskWithoutTheKey() throws {
        let dir = try temporaryDirectory(self).appendingPathComponent("phone")
        let key = newStoreKey()
        XCTAssertEqual(key.count, 32)
        let note = "楼上补课现场发现学生十二名"
        let photo = try Photos.place1()
        var hash = ""
        do {
            let store = try Xuncha.open(directory: dir, storeKey: key)
            try store.signIn(officer: Fixtures.education)
            try store.loadReference(templateJSON: Fixtures.templateJSON, jurisdictionsJSON: Fixtures.jurisdictionsJSON)
            let inspections = Inspections(store: store)
            let id = try inspections.start(template: try store.checklist(), jurisdictionId: Fixtures.grid)
            try inspections.answerYes(id, item: "I01", note: note)
            let item = try store.addPhoto(jpeg: photo, capture: Capture(recordId: id, itemId: "I01", gps: Photos.fixAtPlace1()))
            XCTAssertEqual(try store.evidenceBytes(contentHash: item.payload.contentHash), photo)
            XCTAssertTrue(try store.verifyRecord(recordId: id).ok)
            hash = item.payload.contentHash
        }
        let middle = photo.count / 2
        let secrets = [Data(Fixtures.education.name.utf8), Data(note.utf8), photo.subdata(in: middle..<middle + 64)]
        let files = allFiles(dir)
        XCTAssertFalse(files.isEmpty)
        for (url, bytes) in files {
            for secret in secrets { XCTAssertNil(bytes.range(of: secret), "\(url.lastPathComponent) holds plaintext") }
            XCTAssertFalse(bytes.starts(with: [0xFF, 0xD8]), "\(url.lastPathComponent) is a JPEG")
        }

        let wrong = apiError { _ = try Xuncha.open(directory: dir, storeKey: newStoreKey()) }
        guard case let .StoreKeyWrong(message) = wrong else { return XCTFail("\(String(describing: wrong))") }
        XCTAssertTrue(message.contains("存储密钥不正确"), message)
        let plain = apiError { _ = try Xuncha.open(directory: dir) }
        guard case .StoreKeyWrong = plain else { return XCTFail("\(String(describing: plain))") }
        let again = try Xuncha.open(directory: dir, storeKey: key)
        XCTAssertEqual(try again.evidenceBytes(contentHash: hash), photo)
    }

    func testTheAppLocksAfterIdleAndEveryCallIsRefusedUntilThePINOrBiometrics() throws {
        let store = try Xuncha.open(directory: try temporaryDirectory(self).appendingPathComponent("phone"), storeKey: newStoreKey())
        try store.signIn(officer: Fixtures.education)
        try store.loadReference(templateJSON: Fixtures.templateJSON, jurisdictionsJSON: Fixtures.jurisdictionsJSON)
        XCTAssertEqual(try store.lockState(nowMs: 0), .noPin)
        guard case .InvalidInput = apiError({ try store.setPin(pin: "12", nowMs: now()) }) else { return XCTFail() }
        let t = now()
        try store.setPin(pin: "135790", nowMs: t)
        try store.setIdleTimeout(minutes: 1, nowMs: t)
        XCTAssertEqual(try store.lockState(nowMs: t), .unlocked(locksAtMs: t + minute))
        XCTAssertEqual(try store.lockState(nowMs: t + minute), .locked(waitMs: 0))

        let locked = apiError { _ = try store.listPlaces(jurisdictionId: Fixtures.county) }
        guard case let .Locked(message) = locked else { return XCTFail("\(String(describing: locked))") }
        XCTAssertTrue(message.contains("应用已锁定"), message)
        XCTAssertEqual(store.identity().officer?.name, "林晓雯", "the lock screen still knows who")

        for _ in 0..<4 {
            guard case .PinWrong = apiError({ try store.unlockWithPin(pin: "000000", nowMs: t) }) else { return XCTFail() }
        }
        let fifth = apiError { try store.unlockWithPin(pin: "000000", nowMs: t) }
        guard case let .PinWrong(wait) = fifth else { return XCTFail("\(String(describing: fifth))") }
        XCTAssertTrue(wait.contains("30 秒"), wait)
        guard case .PinWrong = apiError({ try store.unlockWithPin(pin: "135790", nowMs: t + 1_000) }) else { return XCTFail() }
        XCTAssertEqual(try store.lockState(nowMs: t + 1_000), .locked(waitMs: 29_000))

        try store.unlockWithBiometrics(nowMs: now())
        XCTAssertTrue(try store.listPlaces(jurisdictionId: Fixtures.county).isEmpty)
        try store.lockNow()
        guard case .Locked = apiError({ _ = try store.syncStatus() }) else { return XCTFail() }
        try store.unlockWithPin(pin: "135790", nowMs: now())
        _ = try store.checklist()
    }

    func testADeviceRevokedInTheConsoleWipesItsStoreAtItsNextSync() throws {
        let dir = try temporaryDirectory(self).appendingPathComponent("phone")
        let store = try Xuncha.open(directory: dir, storeKey: newStoreKey())
        try store.loadReference(templateJSON: Fixtures.templateJSON, jurisdictionsJSON: Fixtures.jurisdictionsJSON)
        let user = try store.enroll(serverUrl: try DemoServer.url(), code: try DemoServer.enrollmentCode("lin"))
        try store.signIn(officer: Officer(name: user.name, department: user.department, certNo: user.certNo))
        _ = try store.sync(progress: SyncProgressHandler { _, _, _ in })
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("xuncha.db").path))

        try DemoServer.revokeDevice(store.identity().deviceId)
        let revoked = apiError { _ = try store.sync(progress: SyncProgressHandler { _, _, _ in }) }
        guard case let .DeviceRevoked(message) = revoked else { return XCTFail("\(String(describing: revoked))") }
        XCTAssertTrue(message.contains("本机已被管理员停用"), message)
        XCTAssertTrue(store.isWiped())
        XCTAssertTrue(allFiles(dir).isEmpty, "\(allFiles(dir).map(\.0.lastPathComponent))")
        guard case .DeviceRevoked = apiError({ _ = try store.listPlaces(jurisdictionId: Fixtures.county) }) else {
            return XCTFail()
        }
    }
}
