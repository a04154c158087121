import Foundation
import XCTest
import XunchaCore

/// The device key in the platform's key store, reached through the DeviceSigner callback.
final class SignerTests: XCTestCase {
    func storeWith(_ dir: URL, _ signer: DeviceSigner) throws -> XunchaStore {
        let store = try Xuncha.open(directory: dir.appendingPathComponent("device"), signer: signer)
        try store.signIn(officer: Fixtures.education)
        try store.loadReference(templateJSON: Fixtures.templateJSON, jurisdictionsJSON: Fixtures.jurisdictionsJSON)
        return store
    }

    func testEvidenceIsSignedByThePlatformKey() throws {
        let dir = try temporaryDirectory(self)
        let signer = try TestSigner()
        do {
            let store = try storeWith(dir, signer)
            XCTAssertEqual(signer.signatures.get, 1, "one probe signature at open")
            XCTAssertEqual(store.devicePublicKey(), signer.raw.hex)
            let id = try Inspections(store: store).start(template: try store.checklist(), jurisdictionId: Fixtures.grid)
            XCTAssertEqual(signer.signatures.get, 2, "the change that starts the record is signed too")
            let photo = try store.addPhoto(jpeg: try Photos.place1(),
                                           capture: Capture(recordId: id, itemId: "I01", gps: Photos.fixAtPlace1()))
            XCTAssertEqual(photo.payload.publicKey, signer.raw.hex)
            XCTAssertEqual(signer.signatures.get, 4, "the evidence entry and the change that links it")
            let report = try store.verifyRecord(recordId: id)
            XCTAssertTrue(report.ok, "\(report)")
        }
        // Reopened with the same platform key, the evidence still verifies.
        let again = try storeWith(dir, signer)
        let chain = try again.verifyDeviceChain(deviceId: again.identity().deviceId)
        XCTAssertTrue(chain.ok && chain.itemsChecked == 1, "\(chain)")
    }

    struct KeychainFailure: Error, CustomStringConvertible {
        var description: String { "errSecInteractionNotAllowed" }
    }

    func testSignerThatFailsLaterRefusesTheCaptureStoresNothingAndTheStoreGoesOn() throws {
        let signer = try TestSigner()
        let store = try storeWith(try temporaryDirectory(self), signer)
        let id = try Inspections(store: store).start(template: try store.checklist(), jurisdictionId: Fixtures.grid)
        let capture = Capture(recordId: id, itemId: "I01", gps: Photos.fixAtPlace1())
        signer.failWith.with { $0 = SignerError.Failed(reason: "the key was removed") }
        XCTAssertEqual(apiError { _ = try store.addPhoto(jpeg: try Photos.place1(), capture: capture) },
                       .KeyStore(message: "设备密钥库未能签名，本次操作未保存，请重试；如反复出现请联系管理员 (key_store)"))
        signer.failWith.with { $0 = KeychainFailure() }
        XCTAssertEqual(apiError { _ = try store.addSignature(png: Photos.signaturePNG, capture: Capture(recordId: id)) },
                       .KeyStore(message: "设备密钥库未能签名，本次操作未保存，请重试；如反复出现请联系管理员 (key_store)"))
        XCTAssertEqual(try store.evidenceForRecord(recordId: id), [])

        signer.failWith.with { $0 = nil }
        let photo = try store.addPhoto(jpeg: try Photos.place1(), capture: capture)
        XCTAssertEqual(photo.payload.chainSeq, 1, "the failed captures left no gap in the chain")
        XCTAssertTrue(try store.verifyDeviceChain(deviceId: photo.payload.deviceId).ok)
    }

    /// A platform key store that misbehaves in one way.
    final class BrokenSigner: DeviceSigner, @unchecked Sendable {
        let key: Data
        let signature: (Data) throws -> Data
        init(key: Data, signature: @escaping (Data) throws -> Data) {
            self.key = key
            self.signature = signature
        }
        func publicKey() throws -> Data { key }
        func sign(message: Data) throws -> Data { try signature(message) }
    }

    func testKeyOrSignatureThatIsNotEd25519IsRefusedAtOpen() throws {
        let dir = try temporaryDirectory(self)
        let good = try TestSigner()
        let other = try TestSigner()
        let cases: [(BrokenSigner, String)] = [
            (BrokenSigner(key: good.raw.prefix(31)) { try good.sign(message: $0) },
             "设备公钥有 31 字节，应为 32 字节"),
            (BrokenSigner(key: good.raw) { try good.sign(message: $0).prefix(63) },
             "设备密钥库返回的签名有 63 字节，应为 64 字节"),
            (BrokenSigner(key: good.raw) { _ in Data(count: 64) },
             "设备密钥库的签名与其公钥不符"),
            (BrokenSigner(key: other.raw) { try good.sign(message: $0) },
             "设备密钥库的签名与其公钥不符"),
            (BrokenSigner(key: good.raw) { _ in throw SignerError.Failed(reason: "user not authenticated") },
             "设备密钥库未能签名"),
        ]
        for (signer, message) in cases {
            XCTAssertEqual(apiError { _ = try Xuncha.open(directory: dir.appendingPathComponent("refused"), signer: signer) },
                           .KeyStore(message: message + "，本次操作未保存，请重试；如反复出现请联系管理员 (key_store)"))
        }
    }
}
