import Foundation
import Security
import XunchaCore

/// The store key (ADR 0013): 32 random bytes from core's `newStoreKey()`, kept as a Keychain
/// item `kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly` (never in backups, never on another
/// phone; readable after the first unlock so background sync can open the store). Core never
/// writes it down. Deleted when the device is revoked.
enum StoreKeychain {
    private static let service = "cn.xuncha.app.store-key"
    private static let account = "store-key-v1"

    struct KeychainError: Error, CustomStringConvertible {
        let status: OSStatus
        var description: String { "Keychain error \(status)" }
    }

    static func loadOrCreate() throws -> Data {
        var q = query
        q[kSecReturnData as String] = true
        q[kSecMatchLimit as String] = kSecMatchLimitOne
        var out: CFTypeRef?
        let status = SecItemCopyMatching(q as CFDictionary, &out)
        if status == errSecSuccess, let data = out as? Data { return data }
        guard status == errSecItemNotFound else { throw KeychainError(status: status) }
        let key = newStoreKey()
        var add = query
        add[kSecValueData as String] = key
        add[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        let added = SecItemAdd(add as CFDictionary, nil)
        guard added == errSecSuccess else { throw KeychainError(status: added) }
        return key
    }

    /// After a wipe: without the key nothing left on the flash can be decrypted.
    static func delete() {
        SecItemDelete(query as CFDictionary)
    }

    private static var query: [String: Any] {
        [kSecClass as String: kSecClassGenericPassword, kSecAttrService as String: service, kSecAttrAccount as String: account]
    }
}
