package cn.xuncha.app.keys

import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import cn.xuncha.core.ffi.DeviceSigner
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters
import org.bouncycastle.crypto.signers.Ed25519Signer
import java.io.File
import java.security.KeyStore
import java.security.SecureRandom
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The fallback where the Keystore cannot hold an Ed25519 key (API 26-32, or KeyMint < 2): the
 * 32-byte ed25519 seed is encrypted with an AES-256-GCM key that lives in the Keystore
 * (hardware-backed where the phone has it) and the ciphertext is kept in noBackupFilesDir.
 * The seed is decrypted into memory only while the app runs; a copied file is useless
 * without this phone's Keystore. Signing is BouncyCastle's Ed25519, in memory, so it cannot
 * fail once the seed is unwrapped; unwrapping failures surface when the store opens.
 */
class WrappedSeedSigner private constructor(seed: ByteArray) : DeviceSigner {
    private val key = Ed25519PrivateKeyParameters(seed, 0)
    private val raw = key.generatePublicKey().encoded

    override fun publicKey(): ByteArray = raw.copyOf()

    override fun sign(message: ByteArray): ByteArray = Ed25519Signer().run {
        init(true, key)
        update(message, 0, message.size)
        generateSignature()
    }

    companion object {
        private const val KEYSTORE = "AndroidKeyStore"
        const val WRAP_ALIAS = "xuncha-device-seed-wrap"
        private const val FILE = "device-key.v1"
        private const val VERSION: Byte = 1
        private const val IV_BYTES = 12
        private const val TAG_BITS = 128

        fun file(noBackupDir: File) = File(noBackupDir, FILE)

        /** Opens the wrapped seed in [noBackupDir], generating and wrapping a new one on first use. */
        fun openOrCreate(noBackupDir: File): WrappedSeedSigner {
            val f = file(noBackupDir)
            val wrapKey = wrappingKey()
            if (!f.exists()) {
                val seed = ByteArray(32).also { SecureRandom().nextBytes(it) }
                val cipher = Cipher.getInstance("AES/GCM/NoPadding").apply { init(Cipher.ENCRYPT_MODE, wrapKey) }
                val blob = byteArrayOf(VERSION) + cipher.iv + cipher.doFinal(seed)
                val tmp = File(noBackupDir, "$FILE.tmp")
                tmp.writeBytes(blob)
                check(tmp.renameTo(f)) { "cannot store the device key" }
                return WrappedSeedSigner(seed).also { seed.fill(0) }
            }
            val blob = f.readBytes()
            require(blob.size > 1 + IV_BYTES && blob[0] == VERSION) { "device key file is damaged" }
            val cipher = Cipher.getInstance("AES/GCM/NoPadding").apply {
                init(Cipher.DECRYPT_MODE, wrapKey, GCMParameterSpec(TAG_BITS, blob, 1, IV_BYTES))
            }
            val seed = cipher.doFinal(blob, 1 + IV_BYTES, blob.size - 1 - IV_BYTES)
            return WrappedSeedSigner(seed).also { seed.fill(0) }
        }

        private fun wrappingKey(): SecretKey {
            val ks = KeyStore.getInstance(KEYSTORE).apply { load(null) }
            (ks.getKey(WRAP_ALIAS, null) as SecretKey?)?.let { return it }
            val spec = KeyGenParameterSpec.Builder(WRAP_ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .build()
            return KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, KEYSTORE).apply { init(spec) }.generateKey()
        }
    }
}
