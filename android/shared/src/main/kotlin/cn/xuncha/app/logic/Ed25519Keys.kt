package cn.xuncha.app.logic

/**
 * Ed25519 public keys between the platform's and core's forms. The Android Keystore hands out
 * public keys X.509-encoded (SubjectPublicKeyInfo, RFC 8410); core wants the raw 32 bytes.
 */
object Ed25519Keys {
    /** SEQUENCE { SEQUENCE { OID 1.3.101.112 } BIT STRING (33 bytes: 0 unused bits + key) }. */
    private val SPKI_PREFIX = byteArrayOf(
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    )
    const val PUBLIC_KEY_BYTES = 32
    const val SIGNATURE_BYTES = 64

    /** The raw key inside an X.509 Ed25519 public key; refuses anything else. */
    fun rawFromX509(encoded: ByteArray): ByteArray {
        require(encoded.size == SPKI_PREFIX.size + PUBLIC_KEY_BYTES) {
            "not an X.509 Ed25519 public key: ${encoded.size} bytes"
        }
        require(encoded.copyOfRange(0, SPKI_PREFIX.size).contentEquals(SPKI_PREFIX)) {
            "not an X.509 Ed25519 public key: wrong algorithm header"
        }
        return encoded.copyOfRange(SPKI_PREFIX.size, encoded.size)
    }

    /** The X.509 form of a raw key (for platform verification APIs). */
    fun x509FromRaw(raw: ByteArray): ByteArray {
        require(raw.size == PUBLIC_KEY_BYTES) { "an Ed25519 public key has 32 bytes, not ${raw.size}" }
        return SPKI_PREFIX + raw
    }
}
