import Foundation
import XCTest
import XunchaCore

/// The sync's requests go over Foundation's URLSession (FoundationNetworking on Linux), to the
/// real demo server.
final class TransportTests: XCTestCase {
    /// Passes every request on and keeps what went by.
    final class Recording: HttpTransport, @unchecked Sendable {
        let inner: HttpTransport
        let seen = Locked<[(url: String, status: UInt16, auth: String?)]>([])
        /// Each exchange's codings: what the request sent, what the answer said, and its first bytes.
        let codings = Locked<[(url: String, sent: String?, came: String?, head: [UInt8])]>([])
        init(_ inner: HttpTransport) { self.inner = inner }
        func send(request: HttpRequest) throws -> HttpResponse {
            let response = try inner.send(request: request)
            let auth = request.headers.first { $0.name == "authorization" }?.value
            seen.with { $0.append((url: request.url, status: response.status, auth: auth)) }
            let sent = TransportTests.value(request.headers, "content-encoding")
            let came = TransportTests.value(response.headers, "content-encoding")
            codings.with { $0.append((url: request.url, sent: sent, came: came, head: Array(response.body.prefix(4)))) }
            return response
        }
    }

    static func value(_ headers: [HttpHeader], _ name: String) -> String? {
        headers.first { $0.name.lowercased() == name }?.value
    }

    final class Dead: HttpTransport, @unchecked Sendable {
        func send(request: HttpRequest) throws -> HttpResponse {
            throw TransportError.NoAnswer(reason: "飞行模式")
        }
    }

    func testEveryRequestOfASyncGoesThroughTheAppsTransport() throws {
        let url = try DemoServer.url()
        let store = try deviceStore(try temporaryDirectory(self))
        let transport = Recording(URLSessionTransport())
        let user = try store.enroll(transport: transport, serverUrl: url, code: try DemoServer.enrollmentCode("sun"))
        try store.signIn(officer: Officer(name: user.name, department: user.department, certNo: user.certNo))
        XCTAssertEqual(transport.seen.get.count, 1)
        XCTAssertTrue(transport.seen.get[0].url.hasSuffix("/v1/enroll"))

        transport.seen.with { $0.removeAll() }
        let report = try store.sync(transport: transport, progress: SyncProgressHandler { _, _, _ in })
        XCTAssertGreaterThan(report.pulledChanges, 0, "\(report)")
        let seen = transport.seen.get
        XCTAssertEqual(UInt64(seen.count), report.roundTrips, "the core made no request of its own")
        XCTAssertTrue(seen.allSatisfy { $0.url.hasPrefix(url) && $0.status == 200 })
        XCTAssertTrue(seen.allSatisfy { $0.auth?.hasPrefix("Bearer ") == true })

        // Core asks for zstd and reads the answer however URLSession hands it over: Apple's
        // URLSession passes zstd through as bytes; libcurl (Linux) may decode it itself.
        let pull = try XCTUnwrap(transport.codings.get.first { $0.url.contains("/v1/sync/pull") })
        XCTAssertEqual(pull.came?.lowercased(), "zstd", "the server coded the answer and the header came through")
        let zstdFrame: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]
        let xpl1 = Array("XPL1".utf8)
        XCTAssertTrue(pull.head == zstdFrame || pull.head == xpl1, "\(pull.head)")
        print("URLSession handed the zstd pull answer over \(pull.head == zstdFrame ? "as zstd bytes" : "decoded by the stack")")
    }

    func testAPushGoesAsZstdOverURLSessionAndIsStored() throws {
        let url = try DemoServer.url()
        let store = try deviceStore(try temporaryDirectory(self))
        let transport = Recording(URLSessionTransport())
        let user = try store.enroll(transport: transport, serverUrl: url, code: try DemoServer.enrollmentCode("sun"))
        try store.signIn(officer: Officer(name: user.name, department: user.department, certNo: user.certNo))
        _ = try Inspections(store: store).start(template: try store.checklist(), jurisdictionId: Fixtures.grid)
        let report = try store.sync(transport: transport, progress: SyncProgressHandler { _, _, _ in })
        XCTAssertEqual(report.pushRequests, 1, "\(report)")
        let push = try XCTUnwrap(transport.codings.get.first { $0.url.hasSuffix("/v1/sync/push") })
        XCTAssertEqual(push.sent, "zstd")
        XCTAssertEqual(try store.syncStatus().pendingChanges, 0)
    }

    func testATransportThatGetsNoAnswerIsANetworkErrorAndLosesNothing() throws {
        let url = try DemoServer.url()
        let store = try deviceStore(try temporaryDirectory(self))
        _ = try store.enroll(serverUrl: url, code: try DemoServer.enrollmentCode("sun"))
        _ = try Inspections(store: store).start(template: try store.checklist(), jurisdictionId: Fixtures.grid)
        let pending = try store.syncStatus().pendingChanges
        let error = apiError { _ = try store.sync(transport: Dead(), progress: SyncProgressHandler { _, _, _ in }) }
        guard case let .Network(message) = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertTrue(message.hasSuffix("(network)"), message)
        XCTAssertEqual(try store.syncStatus().pendingChanges, pending)
        _ = try store.sync(progress: SyncProgressHandler { _, _, _ in })
        XCTAssertEqual(try store.syncStatus().pendingChanges, 0)
    }
}
