import Foundation
import XCTest
import XunchaCore

/// Photos, signatures and voice notes fixed as evidence: capture, flags, refusals, verification.
final class EvidenceTests: XCTestCase {
    func testWholeInspectionWithPhotoAndGpsConcludesAndItsEvidenceVerifies() throws {
        let store = try deviceStore(try temporaryDirectory(self))
        let inspections = Inspections(store: store)
        let id = try inspections.start(template: try store.checklist(), jurisdictionId: Fixtures.grid)
        try inspections.answerAllClear(id)
        try inspections.answerYes(id, item: "I01", note: "客厅内一名教师为一名初二学生讲授数学")
        guard case .NotReady = apiError({ try inspections.conclude(id, .suspected) }) else {
            return XCTFail("a yes without evidence must not conclude")
        }

        let jpeg = try Photos.place1()
        let photo = try store.addPhoto(jpeg: jpeg, capture: Capture(recordId: id, itemId: "I01", gps: Photos.fixAtPlace1()))
        try inspections.conclude(id, .suspected)

        let done = try inspections.get(id)
        XCTAssertEqual(done.conclusion, .suspected)
        XCTAssertEqual(done.evidence.map(\.entryHash), [photo.entryHash])
        XCTAssertEqual(done.evidence.first?.itemId, "I01")

        // What was fixed at capture: bytes, place, time, device, officer.
        XCTAssertEqual(try store.evidenceForRecord(recordId: id), [photo])
        XCTAssertEqual(try store.evidenceItem(entryHash: photo.entryHash), photo)
        XCTAssertEqual(photo.payload.kind, .photo)
        XCTAssertEqual(photo.payload.mime, "image/jpeg")
        XCTAssertEqual(photo.payload.size, UInt64(jpeg.count))
        XCTAssertEqual(photo.payload.contentHash.count, 64)
        XCTAssertEqual(photo.payload.officer, Fixtures.education.name)
        XCTAssertEqual(photo.payload.certNo, Fixtures.education.certNo)
        XCTAssertEqual(photo.payload.deviceId, store.identity().deviceId)
        XCTAssertEqual(photo.payload.publicKey, store.devicePublicKey())
        XCTAssertEqual(photo.payload.chainSeq, 1)
        XCTAssertNil(photo.payload.prev)
        XCTAssertEqual(photo.payload.gps, Photos.fixAtPlace1())
        XCTAssertEqual(photo.payload.exif?.lat ?? 0, Photos.place1Lat, accuracy: 1e-6)
        XCTAssertEqual(photo.payload.exif?.lon ?? 0, Photos.place1Lon, accuracy: 1e-6)
        XCTAssertEqual(photo.payload.exif?.make, "Xiaomi")
        XCTAssertEqual(photo.payload.exif?.capturedAtMs, Photos.place1TakenMs)
        XCTAssertEqual(photo.payload.flags, [], "a good fix where and when the photo was taken")
        XCTAssertTrue(photo.bytesPresent)
        XCTAssertEqual(try store.evidenceBytes(contentHash: photo.payload.contentHash), jpeg)

        // Untouched since capture.
        for report in [try store.verifyEvidence(entryHash: photo.entryHash), try store.verifyRecord(recordId: id),
                       try store.verifyDeviceChain(deviceId: photo.payload.deviceId)] {
            XCTAssertTrue(report.ok, "\(report)")
            XCTAssertEqual(report.itemsChecked, 1)
            XCTAssertEqual(report.failures, [])
        }

        // A thumbnail: a small upright JPEG, made ahead of time or on first use.
        XCTAssertEqual(try store.makeThumbnails(limit: 10), 1)
        XCTAssertEqual(try store.makeThumbnails(limit: 10), 0)
        let thumb = try store.thumbnail(contentHash: photo.payload.contentHash)
        XCTAssertEqual(Array(thumb.prefix(2)), [0xFF, 0xD8])
        XCTAssertLessThan(thumb.count, jpeg.count / 4)
    }

    func testPhotoFileSignatureAndVoiceNoteJoinTheDeviceChain() throws {
        let store = try deviceStore(try temporaryDirectory(self))
        let id = try Inspections(store: store).start(template: try store.checklist(), jurisdictionId: Fixtures.grid)
        let fix = Photos.fixAtPlace1()
        let photo = try store.addPhotoFile(path: Photos.place1Path, capture: Capture(recordId: id, gps: fix))
        let signature = try store.addSignature(png: Photos.signaturePNG, capture: Capture(recordId: id, gps: fix))
        let voice = try store.addVoiceNote(bytes: Data("AAC...".utf8), mime: "audio/mp4", capture: Capture(recordId: id))
        let all = [photo, signature, voice]
        XCTAssertEqual(all.map(\.payload.kind), [.photo, .signature, .voiceNote])
        XCTAssertEqual(all.map(\.payload.chainSeq), [1, 2, 3])
        XCTAssertEqual(all.map(\.payload.prev), [nil, photo.entryHash, signature.entryHash])
        XCTAssertEqual(voice.payload.flags, [.noGpsFix])
        XCTAssertEqual(Set(try store.evidenceForRecord(recordId: id)), Set(all))
        // The same capture handed over twice (an app retry) is the same evidence.
        XCTAssertEqual(try store.addPhoto(jpeg: try Photos.place1(), capture: Capture(recordId: id, gps: fix)), photo)
        let chain = try store.verifyDeviceChain(deviceId: store.identity().deviceId)
        XCTAssertTrue(chain.ok, "\(chain)")
        XCTAssertEqual(chain.itemsChecked, 3)
    }

    func testTruncatedPhotoIsRefusedWithClearMessageAndNothingIsStored() throws {
        let store = try deviceStore(try temporaryDirectory(self))
        let id = try Inspections(store: store).start(template: try store.checklist(), jurisdictionId: Fixtures.grid)
        let jpeg = try Photos.place1()
        let cut = jpeg.prefix(jpeg.count / 2)
        XCTAssertEqual(apiError {
            _ = try store.addPhoto(jpeg: cut, capture: Capture(recordId: id, itemId: "I01", gps: Photos.fixAtPlace1()))
        }, .InvalidInput(message: "照片文件不完整（可能拍摄或复制时中断），请重拍 (invalid)"))
        XCTAssertEqual(apiError { _ = try store.addPhoto(jpeg: Data(), capture: Capture(recordId: id)) },
                       .InvalidInput(message: "照片文件是空的，请重拍 (invalid)"))
        XCTAssertEqual(apiError { _ = try store.addPhoto(jpeg: Photos.signaturePNG, capture: Capture(recordId: id)) },
                       .InvalidInput(message: "文件不是 JPEG 照片 (invalid)"))
        XCTAssertEqual(apiError {
            _ = try store.addVoiceNote(bytes: Data([1, 2, 3]), mime: "video/mp4", capture: Capture(recordId: id))
        }, .InvalidInput(message: "\"video/mp4\" 不是录音文件类型 (invalid)"))
        XCTAssertEqual(apiError { _ = try store.addPhoto(jpeg: jpeg, capture: Capture(recordId: id, itemId: "I99")) },
                       .InvalidInput(message: "检查项 I99 不在检查表 hidden-tutoring（第 1 版）中 (invalid)"))
        XCTAssertEqual(try store.evidenceForRecord(recordId: id), [])
        XCTAssertEqual(try store.inspection(id: id).evidence, [])
    }

    func testImpossibleGpsFixesAreRefused() throws {
        let store = try deviceStore(try temporaryDirectory(self))
        let id = try Inspections(store: store).start(template: try store.checklist(), jurisdictionId: Fixtures.grid)
        let jpeg = try Photos.place1()
        XCTAssertEqual(apiError {
            _ = try store.addPhoto(jpeg: jpeg, capture: Capture(recordId: id, itemId: "I01", gps: Photos.fixAtPlace1(accuracyM: 0)))
        }, .InvalidInput(message: "定位精度 0 米不是正数 (invalid)"))
        XCTAssertEqual(apiError {
            _ = try store.addPhoto(jpeg: jpeg, capture: Capture(recordId: id, itemId: "I01", gps: Photos.fixAtPlace1(lat: 95)))
        }, .InvalidInput(message: "纬度 95 超出 -90 到 90 的范围 (invalid)"))
        XCTAssertEqual(try store.evidenceForRecord(recordId: id), [])
    }

    func testPoorFixIsKeptAsEvidenceAndFlaggedForTheReviewer() throws {
        let store = try deviceStore(try temporaryDirectory(self))
        let id = try Inspections(store: store).start(template: try store.checklist(), jurisdictionId: Fixtures.grid)
        let limit = try store.checklist().gpsAccuracyLimitM
        let poor = try store.addPhoto(jpeg: try Photos.place1(),
                                      capture: Capture(recordId: id, itemId: "I01", gps: Photos.fixAtPlace1(accuracyM: 120)))
        XCTAssertEqual(poor.payload.flags, [.poorAccuracy(accuracyM: 120, limitM: limit)])
        let mocked = try store.addPhoto(jpeg: try Photos.place2(),
                                        capture: Capture(recordId: id, itemId: "I02", gps: Photos.fixAtPlace1(mock: true)))
        XCTAssertTrue(mocked.payload.flags.contains(.mockLocation), "\(mocked.payload.flags)")
        XCTAssertTrue(mocked.payload.flags.contains { if case .exifPositionMismatch = $0 { return true } else { return false } },
                      "place 2's photo is kilometres away: \(mocked.payload.flags)")
        XCTAssertTrue(try store.verifyRecord(recordId: id).ok)
    }

    func testTamperedBytesFailVerificationNamingTheCheck() throws {
        let dir = try temporaryDirectory(self)
        let store = try deviceStore(dir)
        let id = try Inspections(store: store).start(template: try store.checklist(), jurisdictionId: Fixtures.grid)
        let jpeg = try Photos.place1()
        let photo = try store.addPhoto(jpeg: jpeg, capture: Capture(recordId: id, itemId: "I01", gps: Photos.fixAtPlace1()))
        let file = dir.appendingPathComponent("device/evidence/\(photo.payload.contentHash.prefix(2))/\(photo.payload.contentHash)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: file.path), "core keeps the bytes at \(file.path)")
        var changed = jpeg
        changed[changed.count / 2] &+= 1
        try changed.write(to: file)
        let report = try store.verifyRecord(recordId: id)
        XCTAssertFalse(report.ok)
        XCTAssertEqual(report.failures, [VerifyFailure(entryHash: photo.entryHash, check: .bytes,
                                                       message: "照片文件（\(jpeg.count) 字节）与其哈希不符，已被改动")])
    }
}
