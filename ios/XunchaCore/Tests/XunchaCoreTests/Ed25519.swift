// An ed25519 key outside Rust, as the Keychain would hold it, so that the Rust code under test
// does not check itself: CryptoKit where it exists (Apple platforms), else the system OpenSSL's
// libcrypto (Linux: swift-corelibs-foundation has no crypto), loaded with dlopen.
import Foundation
import XCTest
import XunchaCore

#if canImport(CryptoKit)
import CryptoKit

final class Ed25519Key: @unchecked Sendable {
    private let key = Curve25519.Signing.PrivateKey()
    init() throws {}
    var publicKey: Data { key.publicKey.rawRepresentation }
    func sign(_ message: Data) throws -> Data { try key.signature(for: message) }
}

#else
#if canImport(Glibc)
import Glibc
#endif

/// libcrypto's EVP API, just the calls ed25519 signing needs.
private enum LibCrypto {
    typealias NewRawPrivateKey = @convention(c) (Int32, OpaquePointer?, UnsafePointer<UInt8>?, Int) -> OpaquePointer?
    typealias GetRawPublicKey = @convention(c) (OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int>?) -> Int32
    typealias MdCtxNew = @convention(c) () -> OpaquePointer?
    typealias MdCtxFree = @convention(c) (OpaquePointer?) -> Void
    typealias PkeyFree = @convention(c) (OpaquePointer?) -> Void
    typealias DigestSignInit = @convention(c) (
        OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>?, OpaquePointer?, OpaquePointer?, OpaquePointer?
    ) -> Int32
    typealias DigestSign = @convention(c) (
        OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int>?, UnsafePointer<UInt8>?, Int
    ) -> Int32

    /// NID_ED25519 in OpenSSL's obj_mac.h.
    static let ed25519: Int32 = 1087

    static let handle: UnsafeMutableRawPointer? = dlopen("libcrypto.so.3", RTLD_NOW)

    static func function<T>(_ name: String, _: T.Type) throws -> T {
        guard let handle, let symbol = dlsym(handle, name) else {
            throw MissingSetup(description: "libcrypto.so.3 (OpenSSL 3) with \(name) is needed for an ed25519 test key")
        }
        return unsafeBitCast(symbol, to: T.self)
    }
}

final class Ed25519Key: @unchecked Sendable {
    private let pkey: OpaquePointer
    let publicKey: Data

    init() throws {
        var seed = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in seed.indices { seed[i] = rng.next() }
        let newKey = try LibCrypto.function("EVP_PKEY_new_raw_private_key", LibCrypto.NewRawPrivateKey.self)
        guard let pkey = newKey(LibCrypto.ed25519, nil, seed, seed.count) else {
            throw MissingSetup(description: "OpenSSL refused an ed25519 key")
        }
        self.pkey = pkey
        let getPublic = try LibCrypto.function("EVP_PKEY_get_raw_public_key", LibCrypto.GetRawPublicKey.self)
        var raw = [UInt8](repeating: 0, count: 32)
        var length = raw.count
        guard getPublic(pkey, &raw, &length) == 1, length == 32 else {
            throw MissingSetup(description: "OpenSSL gave no raw ed25519 public key")
        }
        publicKey = Data(raw)
    }

    deinit {
        (try? LibCrypto.function("EVP_PKEY_free", LibCrypto.PkeyFree.self))?(pkey)
    }

    func sign(_ message: Data) throws -> Data {
        let newCtx = try LibCrypto.function("EVP_MD_CTX_new", LibCrypto.MdCtxNew.self)
        let freeCtx = try LibCrypto.function("EVP_MD_CTX_free", LibCrypto.MdCtxFree.self)
        let signInit = try LibCrypto.function("EVP_DigestSignInit", LibCrypto.DigestSignInit.self)
        let digestSign = try LibCrypto.function("EVP_DigestSign", LibCrypto.DigestSign.self)
        let ctx = newCtx()
        defer { freeCtx(ctx) }
        guard signInit(ctx, nil, nil, nil, pkey) == 1 else { throw MissingSetup(description: "EVP_DigestSignInit failed") }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = signature.count
        let bytes = [UInt8](message)
        guard digestSign(ctx, &signature, &length, bytes, bytes.count) == 1, length == 64 else {
            throw MissingSetup(description: "EVP_DigestSign failed")
        }
        return Data(signature)
    }
}
#endif

/// The device key as the app's Keychain-backed signer would hand it over. Counts signatures;
/// `failWith` makes it throw, as a key store whose key became unusable does.
final class TestSigner: DeviceSigner, @unchecked Sendable {
    let key: Ed25519Key
    let signatures = Locked(0)
    let failWith = Locked<Error?>(nil)

    init() throws { key = try Ed25519Key() }

    var raw: Data { key.publicKey }

    func publicKey() throws -> Data { key.publicKey }

    func sign(message: Data) throws -> Data {
        if let error = failWith.get { throw error }
        signatures.with { $0 += 1 }
        return try key.sign(message)
    }
}
