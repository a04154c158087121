import Foundation
import XCTest
import XunchaCore

/// Two officers' phones working one inspection offline, then exchanging directly.
final class ExchangeTests: XCTestCase {
    struct Progress: Equatable {
        let phase: Phase
        let done: UInt64
        let total: UInt64
    }

    func testProgressIsReportedAndBothStoresConverge() throws {
        let dir = try temporaryDirectory(self)
        let a = try deviceStore(dir, "phone-a", officer: Fixtures.education)
        let b = try deviceStore(dir, "phone-b", officer: Fixtures.market)
        let onA = Inspections(store: a)
        let onB = Inspections(store: b)
        let id = try onA.start(template: try a.checklist(), jurisdictionId: Fixtures.grid)
        try onA.answerNo(id, item: "I01")

        let lock = NSLock()
        var calls: [Progress] = []
        let first = try a.exchangeWith(other: b, progress: SyncProgressHandler { phase, done, total in
            lock.lock(); calls.append(Progress(phase: phase, done: done, total: total)); lock.unlock()
        })
        XCTAssertEqual(calls, [Progress(phase: .pushRecords, done: 0, total: 1), Progress(phase: .pushRecords, done: 1, total: 1),
                               Progress(phase: .pullRecords, done: 0, total: 1), Progress(phase: .pullRecords, done: 1, total: 1)])
        XCTAssertTrue(first.sentChanges > 0 && first.receivedChanges == 0, "\(first)")
        XCTAssertEqual(try a.inspection(id: id), try b.inspection(id: id))

        // Both work offline: B joins and answers its part; both answer I12 differently.
        try onB.join(id)
        try onB.answerNo(id, item: "I10")
        try onB.addFinding(id, text: "消防通道堆放杂物")
        try onA.answerNo(id, item: "I02")
        try onA.answerNo(id, item: "I12")
        try onB.answerYes(id, item: "I12", note: "灭火器过期")

        let second = try b.exchangeWith(other: a, progress: SyncProgressHandler { _, _, _ in })
        XCTAssertTrue(second.sentChanges > 0 && second.receivedChanges > 0, "\(second)")
        let onBoth = try a.inspection(id: id)
        XCTAssertEqual(onBoth, try b.inspection(id: id))
        XCTAssertEqual(Set(onBoth.team.map(\.certNo)), [Fixtures.education.certNo, Fixtures.market.certNo])
        XCTAssertEqual(Set(onBoth.answers.map(\.itemId)), ["I01", "I02", "I10", "I12"])
        XCTAssertEqual(onBoth.findings.map(\.text), ["消防通道堆放杂物"])
        XCTAssertEqual(onBoth.conflicts.map(\.field), ["answers.I12"])

        // Nothing left to move; exchanging again changes nothing.
        XCTAssertEqual(try a.exchangeWith(other: b, progress: SyncProgressHandler { _, _, _ in }),
                       ExchangeReport(sentChanges: 0, receivedChanges: 0))
        XCTAssertEqual(try a.inspection(id: id), onBoth)
    }
}
