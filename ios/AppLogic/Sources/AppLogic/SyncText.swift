/// The sync status as core reports it (`XunchaStore.syncStatus()`), in plain types.
public struct SyncFacts: Equatable, Sendable {
    public var pendingRecords: UInt64
    public var pendingChanges: UInt64
    public var pendingBytes: UInt64
    public var lastSuccessMs: Int64?
    public var lastAttemptMs: Int64?
    public var lastError: String?
    public var enrolled: Bool

    public init(
        pendingRecords: UInt64, pendingChanges: UInt64, pendingBytes: UInt64, lastSuccessMs: Int64?,
        lastAttemptMs: Int64?, lastError: String?, enrolled: Bool
    ) {
        self.pendingRecords = pendingRecords
        self.pendingChanges = pendingChanges
        self.pendingBytes = pendingBytes
        self.lastSuccessMs = lastSuccessMs
        self.lastAttemptMs = lastAttemptMs
        self.lastError = lastError
        self.enrolled = enrolled
    }
}

public enum SyncState: Sendable { case notEnrolled, upToDate, pending, failing }

/// The 同步状态 screen's headline and lines.
public struct SyncSummary: Equatable, Sendable {
    public let state: SyncState
    public let headline: String
    public let lines: [String]
}

public enum SyncText {
    public static func summary(_ f: SyncFacts, now: Int64) -> SyncSummary {
        var failing = false
        if f.lastError != nil, let attempt = f.lastAttemptMs {
            failing = f.lastSuccessMs.map { attempt > $0 } ?? true
        }
        let pending = f.pendingChanges > 0 || f.pendingBytes > 0
        let state: SyncState = !f.enrolled ? .notEnrolled : failing ? .failing : pending ? .pending : .upToDate
        let headline: String
        switch state {
        case .notEnrolled: headline = "本机未登记，数据只保存在本机"
        case .failing: headline = "同步失败，数据已保存在本机，联网后自动重试"
        case .pending: headline = "有待同步的数据"
        case .upToDate: headline = "已全部同步"
        }
        var lines = [
            "待同步记录 \(f.pendingRecords) 条（\(f.pendingChanges) 处修改）",
            "待上传证据 \(Units.bytes(f.pendingBytes))",
            "上次成功同步：\(Units.ago(f.lastSuccessMs, now: now))",
        ]
        if failing, let error = f.lastError {
            lines.append("上次错误（\(Units.ago(f.lastAttemptMs, now: now))）：\(error)")
        }
        return SyncSummary(state: state, headline: headline, lines: lines)
    }

    /// One progress callback as a line; the upload phase counts bytes.
    public static func progress<T>(phase: T, done: UInt64, total: UInt64) -> String {
        let label = Labels.syncPhase(phase)
        if total == 0 { return label }
        if "\(phase)" == "uploadBytes" { return "\(label) \(Units.bytes(done)) / \(Units.bytes(total))" }
        return "\(label) \(done) / \(total)"
    }
}

/// How a failed background sync ends, by the kind of core error (the `ApiError` case name).
public enum AfterFailure: Sendable { case retry, stop }

public enum SyncFailure {
    /// Only the link's failures are retried; the rest need the officer (enrol, storage...).
    public static func decide(errorKind: String) -> AfterFailure {
        errorKind == "Network" ? .retry : .stop
    }
}
