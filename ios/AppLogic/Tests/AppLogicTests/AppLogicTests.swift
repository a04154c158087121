import Foundation
import XCTest

@testable import AppLogic

final class UnitsTests: XCTestCase {
    func testBytesReadInTheUnitThatFits() {
        XCTAssertEqual(Units.bytes(0), "0 B")
        XCTAssertEqual(Units.bytes(1023), "1023 B")
        XCTAssertEqual(Units.bytes(1024), "1 KB")
        XCTAssertEqual(Units.bytes(1536), "1.5 KB")
        XCTAssertEqual(Units.bytes(UInt64(3.2 * 1024 * 1024)), "3.2 MB")
        XCTAssertEqual(Units.bytes(UInt64(1.1 * 1024 * 1024 * 1024)), "1.1 GB")
    }

    func testDistancesAreWholeMetresThenKilometres() {
        XCTAssertEqual(Units.metres(0.2), "1 米")
        XCTAssertEqual(Units.metres(7.6), "8 米")
        XCTAssertEqual(Units.metres(1240), "1.2 公里")
    }

    func testAgoToleratesAClockThatMovedBack() {
        let now: Int64 = 1_700_000_000_000
        XCTAssertEqual(Units.ago(nil, now: now), "从未")
        XCTAssertEqual(Units.ago(now + 60_000, now: now), "刚刚")
        XCTAssertEqual(Units.ago(now - 5 * 60_000, now: now), "5 分钟前")
        XCTAssertEqual(Units.ago(now - 3 * 3_600_000, now: now), "3 小时前")
        XCTAssertEqual(Units.ago(now - 2 * 86_400_000, now: now), "2 天前")
    }

    func testRecordTimesAreShownInTheGivenZone() {
        let ms: Int64 = 1_700_000_000_000  // 2023-11-14T22:13:20Z
        XCTAssertEqual(Units.dateTime(ms, timeZone: TimeZone(identifier: "Asia/Shanghai")!), "2023-11-15 06:13")
        XCTAssertEqual(Units.dateTime(ms, timeZone: TimeZone(identifier: "UTC")!), "2023-11-14 22:13")
    }

    func testTheLocationLineWarnsOnPoorAccuracyMockAndNoFix() {
        XCTAssertEqual(LocationText.line(accuracyM: 7.6, limitM: 50, mock: false), LocationLine(text: "定位精度 ±8 米", warning: false))
        XCTAssertEqual(
            LocationText.line(accuracyM: 120, limitM: 50, mock: false),
            LocationLine(text: "定位精度 ±120 米（要求 50 米以内）", warning: true))
        XCTAssertEqual(
            LocationText.line(accuracyM: 5, limitM: 50, mock: true), LocationLine(text: "定位精度 ±5 米 · 模拟位置", warning: true))
        for none in [nil, 0, -1, Double.nan] as [Double?] {
            XCTAssertEqual(LocationText.line(accuracyM: none, limitM: 50, mock: false), LocationLine(text: "未取得定位", warning: true))
        }
    }
}

final class SyncTextTests: XCTestCase {
    let now: Int64 = 1_700_000_000_000
    var base: SyncFacts {
        SyncFacts(
            pendingRecords: 0, pendingChanges: 0, pendingBytes: 0, lastSuccessMs: now - 300_000,
            lastAttemptMs: now - 300_000, lastError: nil, enrolled: true)
    }

    func testNothingPendingAfterASuccessIsUpToDate() {
        let s = SyncText.summary(base, now: now)
        XCTAssertEqual(s.state, .upToDate)
        XCTAssertEqual(s.lines, ["待同步记录 0 条（0 处修改）", "待上传证据 0 B", "上次成功同步：5 分钟前"])
    }

    func testAnErrorAfterTheLastSuccessIsShownAnOlderOneIsNot() {
        var f = base
        f.pendingChanges = 1
        f.lastAttemptMs = now - 60_000
        f.lastError = "server unreachable"
        let s = SyncText.summary(f, now: now)
        XCTAssertEqual(s.state, .failing)
        XCTAssertEqual(s.lines.last, "上次错误（1 分钟前）：server unreachable")
        f.lastSuccessMs = now - 30_000
        XCTAssertEqual(SyncText.summary(f, now: now).state, .pending)
        f.enrolled = false
        XCTAssertEqual(SyncText.summary(f, now: now).state, .notEnrolled)
    }

    func testProgressCountsRecordsAndBytesForUploads() {
        XCTAssertEqual(SyncText.progress(phase: "pushRecords", done: 3, total: 10), "上传记录 3 / 10")
        XCTAssertEqual(SyncText.progress(phase: "uploadBytes", done: 1536, total: 3072), "上传证据 1.5 KB / 3 KB")
        XCTAssertEqual(SyncText.progress(phase: "pullRecords", done: 0, total: 0), "下载更新")
    }

    func testOnlyNetworkFailuresAreRetried() {
        XCTAssertEqual(SyncFailure.decide(errorKind: "Network"), .retry)
        for kind in ["NotEnrolled", "Refused", "Storage", "Corrupt", "NotSignedIn"] {
            XCTAssertEqual(SyncFailure.decide(errorKind: kind), .stop)
        }
    }

    /// Stand-ins shaped like uniffi's generated Swift enums (cases print as their names).
    enum Conclusion { case noProblem, suspected, confirmed }
    enum CaseState { case feedbackGiven, somethingNew }

    func testLabelsUseTheSwiftCaseNamesAndFallBackToThem() {
        XCTAssertEqual(Labels.conclusion(Conclusion.noProblem), "无问题")
        XCTAssertEqual(Labels.conclusion(nil as Conclusion?), "未结论")
        XCTAssertEqual(Labels.caseState(CaseState.feedbackGiven), "结果已反馈")
        XCTAssertEqual(Labels.caseState(CaseState.somethingNew), "somethingNew")
        XCTAssertEqual(Labels.answered(5, of: 13), "已答 5 / 13")
    }
}

final class PhotoGPSTests: XCTestCase {
    func testTheExifBlockCarriesHemispheresAltitudeAccuracyAndUTCTime() {
        let time = Date(timeIntervalSince1970: 1_700_000_000.25)  // 2023-11-14 22:13:20.25 UTC
        let gps = PhotoGPS.exif(latitude: 26.61, longitude: 106.92, altitudeM: 912.5, accuracyM: 6, time: time)
        XCTAssertEqual(gps["Latitude"] as? Double, 26.61)
        XCTAssertEqual(gps["LatitudeRef"] as? String, "N")
        XCTAssertEqual(gps["LongitudeRef"] as? String, "E")
        XCTAssertEqual(gps["Altitude"] as? Double, 912.5)
        XCTAssertEqual(gps["AltitudeRef"] as? Int, 0)
        XCTAssertEqual(gps["HPositioningError"] as? Double, 6)
        XCTAssertEqual(gps["DateStamp"] as? String, "2023:11:14")
        XCTAssertEqual(gps["TimeStamp"] as? String, "22:13:20.25")

        let south = PhotoGPS.exif(latitude: -33.9, longitude: -70.6, altitudeM: -10, accuracyM: 30, time: time)
        XCTAssertEqual(south["Latitude"] as? Double, 33.9)
        XCTAssertEqual(south["LatitudeRef"] as? String, "S")
        XCTAssertEqual(south["Longitude"] as? Double, 70.6)
        XCTAssertEqual(south["LongitudeRef"] as? String, "W")
        XCTAssertEqual(south["AltitudeRef"] as? Int, 1)
        XCTAssertNil(PhotoGPS.exif(latitude: 1, longitude: 1, altitudeM: nil, accuracyM: 5, time: time)["Altitude"])
    }
}
