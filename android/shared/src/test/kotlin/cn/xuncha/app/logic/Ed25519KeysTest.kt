package cn.xuncha.app.logic

import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Assertions.assertThrows
import java.security.KeyFactory
import java.security.KeyPairGenerator
import java.security.Signature
import java.security.spec.X509EncodedKeySpec

/** Against the JDK's own Ed25519 (Java 15+), which encodes public keys as the Keystore does. */
class Ed25519KeysTest {
    @Test
    fun `the raw key comes out of the X509 form and goes back in`() {
        val pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair()
        val x509 = pair.public.encoded
        val raw = Ed25519Keys.rawFromX509(x509)
        assertEquals(Ed25519Keys.PUBLIC_KEY_BYTES, raw.size)
        assertArrayEquals(x509, Ed25519Keys.x509FromRaw(raw))

        // A signature made with the private key verifies against the key rebuilt from raw bytes.
        val message = "巡查证据 payload".toByteArray()
        val sig = Signature.getInstance("Ed25519").run { initSign(pair.private); update(message); sign() }
        assertEquals(Ed25519Keys.SIGNATURE_BYTES, sig.size)
        val rebuilt = KeyFactory.getInstance("Ed25519").generatePublic(X509EncodedKeySpec(Ed25519Keys.x509FromRaw(raw)))
        assertTrue(Signature.getInstance("Ed25519").run { initVerify(rebuilt); update(message); verify(sig) })
    }

    @Test
    fun `other keys are refused`() {
        val ec = KeyPairGenerator.getInstance("EC").apply { initialize(256) }.generateKeyPair()
        assertThrows(IllegalArgumentException::class.java) { Ed25519Keys.rawFromX509(ec.public.encoded) }
        val x25519 = KeyPairGenerator.getInstance("X25519").generateKeyPair()
        assertThrows(IllegalArgumentException::class.java) { Ed25519Keys.rawFromX509(x25519.public.encoded) }
        assertThrows(IllegalArgumentException::class.java) { Ed25519Keys.x509FromRaw(ByteArray(31)) }
    }
}
