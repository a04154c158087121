import Foundation
import XCTest
import XunchaCore

/// One store object used from many threads at once, as the app's UI and background tasks do.
final class ConcurrencyTests: XCTestCase {
    /// Results written by many threads.
    final class Collected<T>: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Result<T, Error>?]
        init(_ n: Int) { values = Array(repeating: nil, count: n) }
        func set(_ i: Int, _ r: Result<T, Error>) { lock.lock(); values[i] = r; lock.unlock() }
        func all() throws -> [T] { lock.lock(); defer { lock.unlock() }; return try values.map { try XCTUnwrap($0).get() } }
    }

    /// Runs `task(0..<n)` on `n` threads started together; returns the results, rethrowing the
    /// first error. (Not `concurrentPerform`: it would use only as many threads as cores.)
    func onThreads<T>(_ n: Int, _ task: @escaping @Sendable (Int) throws -> T) throws -> [T] {
        let gate = DispatchSemaphore(value: 0)
        let finished = DispatchGroup()
        let results = Collected<T>(n)
        for t in 0..<n {
            finished.enter()
            Thread {
                gate.wait()
                results.set(t, Result { try task(t) })
                finished.leave()
            }.start()
        }
        for _ in 0..<n { gate.signal() }
        XCTAssertEqual(finished.wait(timeout: .now() + 60), .success, "threads did not finish in 60 s")
        return try results.all()
    }

    func testEightThreadsAnswerAndAddFindingsOnOneInspection() throws {
        let store = try deviceStore(try temporaryDirectory(self))
        let inspections = Inspections(store: store)
        let id = try inspections.start(template: try store.checklist(), jurisdictionId: Fixtures.grid)
        let items = Fixtures.dayYesNoItems
        _ = try onThreads(8) { t in
            for (i, item) in items.enumerated() where i % 8 == t {
                try inspections.answerNo(id, item: item, note: "线程\(t)")
            }
            for k in 0..<5 { try inspections.addFinding(id, text: "线程\(t) 发现\(k)") }
            return try store.inspection(id: id)  // reads interleave with writes
        }
        let done = try inspections.get(id)
        XCTAssertEqual(Set(done.answers.map(\.itemId)), Set(items))
        XCTAssertEqual(done.findings.count, 40)
        XCTAssertEqual(Set(done.findings.map(\.text)), Set((0..<8).flatMap { t in (0..<5).map { "线程\(t) 发现\($0)" } }))
        XCTAssertEqual(try inspections.list().first?.answered, UInt32(items.count))
    }

    func testEightThreadsStartTheirOwnInspectionsAndPatrols() throws {
        let store = try deviceStore(try temporaryDirectory(self))
        let inspections = Inspections(store: store)
        let template = try store.checklist()
        let ids = try onThreads(8) { _ -> String in
            let id = try inspections.start(template: template, jurisdictionId: Fixtures.grid)
            try inspections.answerAllClear(id)
            try inspections.conclude(id, .noProblem)
            _ = try store.startPatrol(gridId: Fixtures.grid)
            return id
        }
        XCTAssertEqual(Set(ids).count, 8)
        XCTAssertEqual(Set(try inspections.list(limit: 100).map(\.id)), Set(ids))
    }
}
