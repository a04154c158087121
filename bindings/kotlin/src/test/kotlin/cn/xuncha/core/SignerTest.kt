package cn.xuncha.core

import cn.xuncha.core.ffi.ApiException
import cn.xuncha.core.ffi.DeviceSigner
import cn.xuncha.core.ffi.SignerException
import cn.xuncha.core.ffi.types.Capture
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

/** The device key in the platform's key store, reached through the DeviceSigner callback. */
class SignerTest {
    @TempDir
    lateinit var tmp: Path

    private fun storeWith(signer: DeviceSigner) = Xuncha.open(tmp.resolve("device").toFile(), signer).also {
        it.signIn(Fixtures.education)
        it.loadReference(Fixtures.templateJson, Fixtures.jurisdictionsJson)
    }

    @Test
    fun `evidence is signed by the platform key`() {
        val signer = JdkSigner()
        storeWith(signer).use { store ->
            assertEquals(1, signer.signatures.get(), "one probe signature at open")
            assertEquals(signer.raw.hex(), store.devicePublicKey())
            val id = Inspections(store).start(store.checklist(), Fixtures.GRID)
            assertEquals(2, signer.signatures.get(), "the change that starts the record is signed too")
            val photo = store.addPhoto(Photos.place1, Capture(id, "I01", Photos.fixAtPlace1()))
            assertEquals(signer.raw.hex(), photo.payload.publicKey)
            assertEquals(4, signer.signatures.get(), "the evidence entry and the change that links it")
            val report = store.verifyRecord(id)
            assertTrue(report.ok, "$report")
        }
        // Reopened with the same platform key, the evidence still verifies.
        storeWith(signer).use { store ->
            val chain = store.verifyDeviceChain(store.identity().deviceId)
            assertTrue(chain.ok && chain.itemsChecked == 1u, "$chain")
        }
    }

    @Test
    fun `a signer that fails later refuses the capture, stores nothing, and the store goes on`() {
        val signer = JdkSigner()
        storeWith(signer).use { store ->
            val id = Inspections(store).start(store.checklist(), Fixtures.GRID)
            signer.failWith = SignerException.Failed("key permanently invalidated")
            val e = assertThrows<ApiException.KeyStore> { store.addPhoto(Photos.place1, Capture(id, "I01", Photos.fixAtPlace1())) }
            assertEquals("设备密钥库未能签名，本次操作未保存，请重试；如反复出现请联系管理员 (key_store)", e.message)
            signer.failWith = IllegalStateException("Keystore operation failed")
            val other = assertThrows<ApiException.KeyStore> { store.addSignature(Photos.signaturePng, Capture(id)) }
            assertEquals("设备密钥库未能签名，本次操作未保存，请重试；如反复出现请联系管理员 (key_store)", other.message)
            assertEquals(emptyList<Any>(), store.evidenceForRecord(id))

            signer.failWith = null
            val photo = store.addPhoto(Photos.place1, Capture(id, "I01", Photos.fixAtPlace1()))
            assertEquals(1uL, photo.payload.chainSeq, "the failed captures left no gap in the chain")
            assertTrue(store.verifyDeviceChain(photo.payload.deviceId).ok)
        }
    }

    /** A platform key store that misbehaves in one way. */
    private class BrokenSigner(private val key: ByteArray, private val signature: (ByteArray) -> ByteArray) : DeviceSigner {
        override fun publicKey() = key
        override fun sign(message: ByteArray) = signature(message)
    }

    @Test
    fun `a key or signature that is not ed25519 is refused at open`() {
        val good = JdkSigner()
        val cases = listOf(
            BrokenSigner(good.raw.copyOf(31)) { good.sign(it) } to
                "设备公钥有 31 字节，应为 32 字节",
            BrokenSigner(good.raw) { good.sign(it).copyOf(63) } to
                "设备密钥库返回的签名有 63 字节，应为 64 字节",
            BrokenSigner(good.raw) { ByteArray(64) } to
                "设备密钥库的签名与其公钥不符",
            BrokenSigner(JdkSigner().raw) { good.sign(it) } to
                "设备密钥库的签名与其公钥不符",
            BrokenSigner(good.raw) { throw SignerException.Failed("user not authenticated") } to
                "设备密钥库未能签名",
        )
        for ((signer, message) in cases) {
            val e = assertThrows<ApiException.KeyStore> { Xuncha.open(tmp.resolve("refused").toFile(), signer) }
            assertEquals(message + "，本次操作未保存，请重试；如反复出现请联系管理员 (key_store)", e.message)
        }
    }
}
