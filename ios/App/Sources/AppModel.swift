import AppLogic
import Foundation
import XunchaCore

/// The app's handle on the Rust core: opens the store with the Keychain-held device key, loads
/// the bundled reference data, and runs core calls off the main thread. Every rule (validation,
/// checklist applicability, evidence flags, sync) is core's; this class only plumbs.
///
@MainActor
final class AppModel: ObservableObject {
    static let shared = AppModel()

    @Published private(set) var signedIn: Bool?
    @Published private(set) var openError: String?
    /// The jurisdiction this officer works in: from enrolment, or the demo tree's root.
    @Published private(set) var jurisdictionRoot: String? = UserDefaults.standard.string(forKey: AppModel.rootKey)

    private static let rootKey = "jurisdictionRoot"
    private var opened: XunchaStore?
    private var bundledTemplateIds: [String] = []

    /// Opens the store (once) and learns whether an officer is signed in.
    func start() async {
        guard opened == nil else { return }
        do {
            let (store, templateIds, demoRoot) = try await Task.detached(priority: .userInitiated) {
                try Self.open()
            }.value
            opened = store
            bundledTemplateIds = templateIds
            if jurisdictionRoot == nil, let demoRoot { setRoot(demoRoot) }
            signedIn = store.identity().officer != nil
        } catch {
            openError = error.userMessage
        }
    }

    func markSignedIn() { signedIn = true }

    /// Runs `body` on a background thread with the store; core's errors come back as failures.
    func call<T: Sendable>(_ body: @escaping @Sendable (XunchaStore) throws -> T) async -> Result<T, Error> {
        guard let store = opened else { return .failure(AppError.notOpen) }
        return await Task.detached(priority: .userInitiated) {
            Result { try body(store) }
        }.value
    }

    /// The newest version of each bundled checklist (newer ones arrive by sync).
    var templateIds: [String] { bundledTemplateIds }

    private func setRoot(_ id: String) {
        jurisdictionRoot = id
        UserDefaults.standard.set(id, forKey: Self.rootKey)
    }

    // --- opening ----------------------------------------------------------------------------

    private nonisolated static func open() throws -> (store: XunchaStore, templateIds: [String], demoRoot: String?) {
        let dir = try storeDirectory()
        // Encrypted at rest with the Keychain-held store key (ADR 0013); a store from an older app
        // is encrypted on this first open. Refused with ApiError.KeyStore when the Keychain key
        // does not sign correctly.
        let store = try XunchaStore.openEncrypted(
            dir: dir.path, storeKey: try StoreKeychain.loadOrCreate(), signer: try KeychainSigner.loadOrCreate())
        var templateIds: [String] = []
        var demoRoot: String?
        for url in Bundle.main.urls(forResourcesWithExtension: "json", subdirectory: "checklists") ?? [] {
            templateIds.append(try store.loadTemplateJson(json: String(contentsOf: url, encoding: .utf8)).id)
        }
        // Debug builds carry the demo jurisdiction tree so the app runs before enrolment.
        if let url = Bundle.main.url(forResource: "jurisdictions", withExtension: "json", subdirectory: "demo") {
            let data = try Data(contentsOf: url)
            _ = try store.loadJurisdictionsJson(json: String(decoding: data, as: UTF8.self))
            let nodes = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
            demoRoot = nodes.first { $0["parent_id"] is NSNull || $0["parent_id"] == nil }?["id"] as? String
        }
        return (store, templateIds.sorted(), demoRoot)
    }

    /// Application Support/store: excluded from iCloud and iTunes backups (personal data of
    /// minors and suspects must not leave the phone), readable after the first unlock so that
    /// background sync can run while the phone is locked.
    private nonisolated static func storeDirectory() throws -> URL {
        let fm = FileManager.default
        var dir = try fm.url(for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
            .appendingPathComponent("store", isDirectory: true)
        try fm.createDirectory(
            at: dir, withIntermediateDirectories: true,
            attributes: [.protectionKey: FileProtectionType.completeUntilFirstUserAuthentication])
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try dir.setResourceValues(values)
        return dir
    }

    func addPhoto(jpeg: Data, inspectionId: String, itemId: String?, fix: GpsFix?) async -> Result<EvidenceItem, Error> {
        await call { try $0.addPhoto(jpeg: jpeg, capture: Capture(recordId: inspectionId, itemId: itemId, gps: fix, corrects: nil)) }
    }

    func applicableItems(_ inspectionId: String) async -> Result<[ChecklistItem], Error> {
        await call { try $0.applicableItems(inspectionId: inspectionId) }
    }

    /// Patrols of the last 30 days in a jurisdiction subtree, newest first.
    func listPatrols(_ jurisdictionId: String) async -> Result<[PatrolSummary], Error> {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return await call { try $0.listPatrols(jurisdictionId: jurisdictionId, fromMs: now - 30 * 86_400_000, toMs: now + 86_400_000) }
    }

    /// Enrols this phone with the administrator's one-time code and signs in as that officer.
    func enroll(server: String, code: String) async -> Result<Void, Error> {
        let result = await call { store -> UserInfo in
            let user = try store.enroll(serverUrl: server, code: code)
            try store.signIn(officer: Officer(name: user.name, department: user.department, certNo: user.certNo))
            return user
        }
        return result.map { user in
            setRoot(user.jurisdictionId)
            signedIn = true
        }
    }

    /// One sync with the server, on a background thread; `progress` is called on that thread.
    /// Core records the outcome (last success / error) in the store for the sync screen.
    func sync(progress: SyncProgress) async -> Result<SyncReport, Error> {
        await call {
            do {
                return try $0.sync(progress: progress)
            } catch ApiError.DeviceRevoked(let message) {
                // The store wiped itself; its key goes too, then the app returns to enrolment.
                StoreKeychain.delete()
                throw ApiError.DeviceRevoked(message: message)
            }
        }
    }

    func syncFacts() async -> Result<SyncFacts, Error> {
        await call { store in
            let s = try store.syncStatus()
            return SyncFacts(
                pendingRecords: s.pendingRecords, pendingChanges: s.pendingChanges, pendingBytes: s.pendingBytes,
                lastSuccessMs: s.lastSuccessMs, lastAttemptMs: s.lastAttemptMs, lastError: s.lastError,
                enrolled: s.enrolled)
        }
    }
}

enum AppError: LocalizedError {
    case notOpen
    var errorDescription: String? { "本机数据尚未打开" }
}

extension Error {
    /// Core's message (what was wrong, record ids only), or the system's description.
    var userMessage: String {
        if let api = self as? ApiError { return api.message }
        return localizedDescription
    }

    /// The kind SyncFailure.decide sorts on: "Network" for the link's failures (retried).
    var apiErrorKind: String {
        if let api = self as? ApiError, case .Network = api { return "Network" }
        return "Other"
    }
}
