import CryptoKit
import Foundation
import Security
import XunchaCore

/// The device key (ed25519, CryptoKit `Curve25519.Signing`) kept in the Keychain:
///   - the private key as a kSecClassGenericPassword item, kSecAttrAccessibleWhenUnlockedThisDeviceOnly
///     (never in backups, never on another phone, unreadable while the phone is locked);
///   - the public key (not secret) in a second item readable after the first unlock, so that
///     background sync can open the store while the phone is locked. Signing — at capture and
///     enrolment — only happens with the phone unlocked.
/// Core calls `publicKey()` and `sign(message:)` through the bindings' `DeviceSigner` callback
/// interface and checks every signature against the public key; a Keychain failure is thrown as
/// `SignerError.Failed` and refuses that one capture. CryptoKit's ed25519 signatures are
/// randomized but verify as standard RFC 8032.
final class KeychainSigner: DeviceSigner, @unchecked Sendable {
    private static let service = "cn.xuncha.app.device-key"
    private static let privateAccount = "ed25519-private"
    private static let publicAccount = "ed25519-public"

    private let publicKeyRaw: Data

    private init(publicKey: Data) {
        publicKeyRaw = publicKey
    }

    static func loadOrCreate() throws -> KeychainSigner {
        if let pub = try read(publicAccount) { return KeychainSigner(publicKey: pub) }
        if let raw = try read(privateAccount) {
            // The public item was lost (or never written): derive it again.
            let pub = try Curve25519.Signing.PrivateKey(rawRepresentation: raw).publicKey.rawRepresentation
            try add(publicAccount, pub, accessible: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly)
            return KeychainSigner(publicKey: pub)
        }
        let key = Curve25519.Signing.PrivateKey()
        try add(privateAccount, key.rawRepresentation, accessible: kSecAttrAccessibleWhenUnlockedThisDeviceOnly)
        try add(publicAccount, key.publicKey.rawRepresentation, accessible: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly)
        return KeychainSigner(publicKey: key.publicKey.rawRepresentation)
    }

    func publicKey() throws -> Data { publicKeyRaw }

    func sign(message: Data) throws -> Data {
        do {
            guard let raw = try Self.read(Self.privateAccount) else {
                throw SignerError.Failed(reason: "the device key is missing from the Keychain")
            }
            return try Curve25519.Signing.PrivateKey(rawRepresentation: raw).signature(for: message)
        } catch let error as SignerError {
            throw error
        } catch {
            // errSecInteractionNotAllowed while locked, or a damaged item; names no person.
            throw SignerError.Failed(reason: "Keychain: \(error)")
        }
    }

    // --- Keychain ---------------------------------------------------------------------------

    struct KeychainError: Error, CustomStringConvertible {
        let status: OSStatus
        var description: String { "Keychain error \(status)" }
    }

    private static func query(_ account: String) -> [String: Any] {
        [kSecClass as String: kSecClassGenericPassword, kSecAttrService as String: service, kSecAttrAccount as String: account]
    }

    private static func read(_ account: String) throws -> Data? {
        var q = query(account)
        q[kSecReturnData as String] = true
        q[kSecMatchLimit as String] = kSecMatchLimitOne
        var out: CFTypeRef?
        let status = SecItemCopyMatching(q as CFDictionary, &out)
        if status == errSecItemNotFound { return nil }
        guard status == errSecSuccess, let data = out as? Data else { throw KeychainError(status: status) }
        return data
    }

    private static func add(_ account: String, _ data: Data, accessible: CFString) throws {
        var q = query(account)
        q[kSecValueData as String] = data
        q[kSecAttrAccessible as String] = accessible
        let status = SecItemAdd(q as CFDictionary, nil)
        guard status == errSecSuccess else { throw KeychainError(status: status) }
    }
}
