import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
import XunchaCore

/// Reference data read from the repository's fixtures ($XUNCHA_FIXTURES, else found from this file).
enum Fixtures {
    static let dir: URL = {
        if let dir = ProcessInfo.processInfo.environment["XUNCHA_FIXTURES"] {
            return URL(fileURLWithPath: dir)
        }
        // ios/XunchaCore/Tests/XunchaCoreTests/TestSupport.swift -> the repository root.
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<5 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("fixtures")
    }()

    static func text(_ path: String) -> String {
        try! String(contentsOf: dir.appendingPathComponent(path), encoding: .utf8)
    }

    static let templateJSON = text("checklists/hidden-tutoring-v1.json")
    static let jurisdictionsJSON = text("demo/jurisdictions.json")

    static let template = "hidden-tutoring"
    static let county = "qs-yx"
    static let community = "qs-yx-gx-hq"
    static let grid = "qs-yx-gx-hq-g1"

    // Made-up officers, as in fixtures/demo/officers.json.
    static let education = Officer(name: "林晓雯", department: "教育局", certNo: "QS-JY-2023-0117")
    static let market = Officer(name: "赵海川", department: "市场监管局", certNo: "QS-SJ-2023-0342")

    /// Yes/no items asked on a day check with no place set (I03, I09: place types; I14: night).
    static let dayYesNoItems = ["I01", "I02", "I04", "I05", "I06", "I07", "I08", "I10", "I11", "I12", "I13"]
}

/// A fresh temporary directory, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xuncha-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}

/// A store in `dir/name` with an officer signed in and the reference data loaded.
func deviceStore(_ dir: URL, _ name: String = "device", officer: Officer = Fixtures.education) throws -> XunchaStore {
    let store = try Xuncha.open(directory: dir.appendingPathComponent(name))
    try store.signIn(officer: officer)
    try store.loadReference(templateJSON: Fixtures.templateJSON, jurisdictionsJSON: Fixtures.jurisdictionsJSON)
    return store
}

extension XunchaStore {
    func checklist() throws -> ChecklistTemplate { try latestTemplate(id: Fixtures.template) }
}

extension Inspections {
    /// Answers every item of a day check without a place: all "no", a count and a description.
    func answerAllClear(_ id: String) throws {
        for item in Fixtures.dayYesNoItems { try answerNo(id, item: item) }
        try answerCount(id, item: "I15", count: 0)
        try answerText(id, item: "I16", text: "现场为普通住户，未见在培学生")
    }
}

/// Runs `body`, expecting an `ApiError`; returns it (fails the test otherwise).
func apiError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> ApiError? {
    do {
        try body()
        XCTFail("expected an ApiError, nothing was thrown", file: file, line: line)
    } catch let error as ApiError {
        return error
    } catch {
        XCTFail("expected an ApiError, got \(error)", file: file, line: line)
    }
    return nil
}

/// Set-up a test needs from scripts/test is missing.
struct MissingSetup: Error, CustomStringConvertible {
    let description: String
}

/// Phone-like JPEGs made by the fixtures crate's make-fixture-photos ($XUNCHA_PHOTOS, else
/// target/fixture-photos of this repository; scripts/test makes them once).
enum Photos {
    static let dir: URL = {
        if let dir = ProcessInfo.processInfo.environment["XUNCHA_PHOTOS"] {
            return URL(fileURLWithPath: dir)
        }
        return Fixtures.dir.deletingLastPathComponent().appendingPathComponent("target/fixture-photos")
    }()

    static func bytes(_ name: String) throws -> Data {
        let url = dir.appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw MissingSetup(description: "no \(url.path): run make-fixture-photos (scripts/test does)")
        }
        return data
    }

    /// Taken "at" 荷桥花园小区: EXIF position 26.6121, 106.9213; GPS time 2024-05-01 01:00:00 UTC.
    static func place1() throws -> Data { try bytes("place1-orientation-1.jpg") }
    static var place1Path: String { dir.appendingPathComponent("place1-orientation-1.jpg").path }
    /// Taken "at" 桂香商务中心, a different photo (bytes and hash).
    static func place2() throws -> Data { try bytes("place2-orientation-3.jpg") }
    static let place1Lat = 26.6121
    static let place1Lon = 106.9213
    static let place1TakenMs: Int64 = 1_714_525_200_000

    /// A fix at place 1 when the photo was taken (so only `accuracyM` can raise a flag).
    static func fixAtPlace1(accuracyM: Double = 8, lat: Double = place1Lat, mock: Bool = false) -> GpsFix {
        GpsFix(lat: lat, lon: place1Lon, accuracyM: accuracyM, altitudeM: 1085, provider: .fused, mock: mock,
               fixTimeMs: place1TakenMs, deviceTimeMs: place1TakenMs)
    }

    /// A 1×1 PNG, as a signature pad would give (smallest valid drawing).
    static let signaturePNG = Data(base64Encoded:
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")!
}

extension Data {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}

/// Runs `body` on a value shared with closures that run on other threads.
final class Locked<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ value: T) { self.value = value }
    func with<R>(_ body: (inout T) throws -> R) rethrows -> R { lock.lock(); defer { lock.unlock() }; return try body(&value) }
    var get: T { with { $0 } }
}

/// The demo sync server scripts/test started on loopback ($XUNCHA_SERVER), and the two admin
/// calls a test needs, over URLSession (FoundationNetworking on Linux).
enum DemoServer {
    static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["XUNCHA_SERVER"] else {
            throw MissingSetup(description: "run with XUNCHA_SERVER=<url of xuncha-server --demo> (scripts/test does)")
        }
        return url
    }

    /// A one-time enrolment code for `username`, issued by the demo admin.
    static func enrollmentCode(_ username: String) throws -> String {
        let login = try post("/v1/login", ["username": "admin", "password": "admin-demo-2026"])
        let token = try XCTUnwrap(login["token"] as? String)
        let code = try post("/v1/admin/users/\(username)/enrollment", [:], token: token)
        return try XCTUnwrap(code["code"] as? String)
    }

    /// The console admin revokes a device (a lost phone).
    static func revokeDevice(_ deviceId: String) throws {
        let login = try post("/v1/login", ["username": "admin", "password": "admin-demo-2026"])
        let token = try XCTUnwrap(login["token"] as? String)
        _ = try post("/v1/admin/devices/\(deviceId)/revoke", [:], token: token)
    }

    static func post(_ path: String, _ body: [String: String], token: String? = nil) throws -> [String: Any] {
        var request = URLRequest(url: try XCTUnwrap(URL(string: try url() + path)))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "content-type")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "authorization") }
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let result = Locked<(Data?, URLResponse?, Error?)>((nil, nil, nil))
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            result.with { $0 = (data, response, error) }
            done.signal()
        }.resume()
        guard done.wait(timeout: .now() + 30) == .success else { throw MissingSetup(description: "POST \(path) timed out") }
        let (data, response, error) = result.get
        if let error { throw error }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let text = String(decoding: data ?? Data(), as: UTF8.self)
        guard status == 200 else { throw MissingSetup(description: "POST \(path): HTTP \(status) \(text)") }
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data ?? Data()) as? [String: Any], text)
    }
}
