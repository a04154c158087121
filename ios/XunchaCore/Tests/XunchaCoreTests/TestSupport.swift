import Foundation
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
