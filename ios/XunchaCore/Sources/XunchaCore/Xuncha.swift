// Entry points the iOS app uses around the generated bindings (module XunchaFFI, re-exported).
// Every rule lives in the Rust core; this file only adapts calls to Swift idioms.
import Foundation
@_exported import XunchaFFI

public enum Xuncha {
    /// Opens (creating if needed) the store kept in `directory`.
    public static func open(directory: URL) throws -> XunchaStore {
        try XunchaStore.open(dir: directory.path)
    }

    /// Opens the store with the device key held by the platform (the Keychain / Secure Enclave):
    /// `signer` is called for every piece of evidence and at enrolment. Refused
    /// (`ApiError.KeyStore`) when its key is not ed25519 or its probe signature does not verify.
    /// Always the same key for a store.
    public static func open(directory: URL, signer: DeviceSigner) throws -> XunchaStore {
        try XunchaStore.openWithSigner(dir: directory.path, signer: signer)
    }

    /// Opens the store encrypted at rest with `storeKey` (32 bytes the app keeps in the Keychain,
    /// made once with `newStoreKey()`); `signer` as above, or nil. A wrong key is
    /// `ApiError.StoreKeyWrong`.
    public static func open(directory: URL, storeKey: Data, signer: DeviceSigner? = nil) throws -> XunchaStore {
        try XunchaStore.openEncrypted(dir: directory.path, storeKey: storeKey, signer: signer)
    }
}

extension XunchaStore {
    /// Loads the reference data a store needs: a checklist template and the jurisdiction tree (JSON).
    public func loadReference(templateJSON: String, jurisdictionsJSON: String) throws {
        _ = try loadTemplateJson(json: templateJSON)
        _ = try loadJurisdictionsJson(json: jurisdictionsJSON)
    }
}

extension ApiError {
    /// What went wrong, as the core said it (record and item ids, no personal data).
    public var message: String {
        switch self {
        case let .NotFound(message), let .InvalidInput(message), let .NotReady(message),
             let .NotSignedIn(message), let .NotEnrolled(message), let .Network(message),
             let .Refused(message), let .Storage(message), let .Corrupt(message), let .KeyStore(message),
             let .Locked(message), let .PinWrong(message), let .StoreKeyWrong(message), let .DeviceRevoked(message):
            return message
        }
    }
}

/// A `SyncProgress` from a closure. Called on the syncing thread. Counts are bytes in
/// `Phase.uploadBytes`, records otherwise.
public final class SyncProgressHandler: SyncProgress, @unchecked Sendable {
    private let handler: (Phase, UInt64, UInt64) -> Void

    public init(_ handler: @escaping (_ phase: Phase, _ done: UInt64, _ total: UInt64) -> Void) {
        self.handler = handler
    }

    public func onProgress(phase: Phase, done: UInt64, total: UInt64) {
        handler(phase, done, total)
    }
}
