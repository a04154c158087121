// The sync's HTTP on the platform's own stack: URLSession, so HTTPS is checked against the
// system trust store (and App Transport Security applies). Core decides every request; this only
// carries it. On Linux, URLSession lives in FoundationNetworking (libcurl), which the tests use.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

public final class URLSessionTransport: HttpTransport, @unchecked Sendable {
    private let session: URLSession

    /// `session` defaults to an ephemeral one (no cookies, no cache: every answer is the server's).
    public init(session: URLSession? = nil, timeout: TimeInterval = 60) {
        if let session {
            self.session = session
        } else {
            let config = URLSessionConfiguration.ephemeral
            config.timeoutIntervalForRequest = timeout
            config.requestCachePolicy = .reloadIgnoringLocalCacheData
            self.session = URLSession(configuration: config)
        }
    }

    /// Blocking, as core's sync runs on a background worker: waits for the answer.
    public func send(request: HttpRequest) throws -> HttpResponse {
        guard let url = URL(string: request.url) else {
            throw TransportError.NoAnswer(reason: "not a URL: \(request.url)")
        }
        var urlRequest = URLRequest(url: url)
        switch request.method {
        case .get: urlRequest.httpMethod = "GET"
        case .post: urlRequest.httpMethod = "POST"
        case .put: urlRequest.httpMethod = "PUT"
        }
        for header in request.headers {
            urlRequest.setValue(header.value, forHTTPHeaderField: header.name)
        }
        if request.method != .get {
            urlRequest.httpBody = request.body
        }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        session.dataTask(with: urlRequest) { data, response, error in
            outcome.set(data: data, response: response, error: error)
            done.signal()
        }.resume()
        done.wait()
        let (data, response, error) = outcome.get()
        if let error {
            throw TransportError.NoAnswer(reason: error.localizedDescription)
        }
        guard let http = response as? HTTPURLResponse else {
            throw TransportError.NoAnswer(reason: "no HTTP answer")
        }
        // Core reads the coding: URLSession decodes gzip, deflate and br on its own (libcurl on
        // Linux zstd too, keeping the header); core takes a body a stack decoded as it is.
        let headers = http.allHeaderFields.map { HttpHeader(name: "\($0.key)", value: "\($0.value)") }
        return HttpResponse(status: UInt16(clamping: http.statusCode), headers: headers, body: data ?? Data())
    }
}

/// The completion handler's values, handed from URLSession's queue to the waiting thread.
private final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    private var response: URLResponse?
    private var error: Error?

    func set(data: Data?, response: URLResponse?, error: Error?) {
        lock.lock(); defer { lock.unlock() }
        (self.data, self.response, self.error) = (data, response, error)
    }

    func get() -> (Data?, URLResponse?, Error?) {
        lock.lock(); defer { lock.unlock() }
        return (data, response, error)
    }
}

extension XunchaStore {
    /// Enrols over the platform's HTTP stack (`URLSessionTransport`). Blocking.
    public func enroll(serverUrl: String, code: String) throws -> UserInfo {
        try enroll(transport: URLSessionTransport(), serverUrl: serverUrl, code: code)
    }

    /// One whole sync over the platform's HTTP stack (`URLSessionTransport`). Blocking.
    public func sync(progress: SyncProgress) throws -> SyncReport {
        try sync(transport: URLSessionTransport(), progress: progress)
    }
}
