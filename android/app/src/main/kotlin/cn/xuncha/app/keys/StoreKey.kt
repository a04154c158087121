package cn.xuncha.app.keys

import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import cn.xuncha.core.ffi.newStoreKey
import java.io.File
import java.security.KeyStore
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The store key (ADR 0013): 32 random bytes from core's `newStoreKey`, encrypted with an
 * AES-256-GCM key that lives in the Android Keystore (non-exportable, hardware-backed where the
 * phone has it) and kept in noBackupFilesDir. A copied file is useless without this phone's
 * Keystore. Not bound to user authentication: background sync opens the store while the app is
 * locked; the app lock (PIN / biometrics) is core's. Deleted when the device is revoked.
 */
object StoreKey {
    private const val KEYSTORE = "AndroidKeyStore"
    private const val WRAP_ALIAS = "xuncha-store-key-wrap"
    private const val FILE = "store-key.v1"
    private const val VERSION: Byte = 1
    private const val IV_BYTES = 12
    private const val TAG_BITS = 128

    /** The key, made and wrapped on first use. */
    fun loadOrCreate(noBackupDir: File): ByteArray {
        val f = File(noBackupDir, FILE)
        val wrapKey = wrappingKey()
        if (!f.exists()) {
            val key = newStoreKey()
            val cipher = Cipher.getInstance("AES/GCM/NoPadding").apply { init(Cipher.ENCRYPT_MODE, wrapKey) }
            val tmp = File(noBackupDir, "$FILE.tmp")
            tmp.writeBytes(byteArrayOf(VERSION) + cipher.iv + cipher.doFinal(key))
            check(tmp.renameTo(f)) { "cannot store the store key" }
            return key
        }
        val blob = f.readBytes()
        require(blob.size > 1 + IV_BYTES && blob[0] == VERSION) { "store key file is damaged" }
        val cipher = Cipher.getInstance("AES/GCM/NoPadding").apply {
            init(Cipher.DECRYPT_MODE, wrapKey, GCMParameterSpec(TAG_BITS, blob, 1, IV_BYTES))
        }
        return cipher.doFinal(blob, 1 + IV_BYTES, blob.size - 1 - IV_BYTES)
    }

    /** After a wipe: without the wrapping key nothing left on the flash can be decrypted. */
    fun delete(noBackupDir: File) {
        File(noBackupDir, FILE).delete()
        runCatching { KeyStore.getInstance(KEYSTORE).apply { load(null) }.deleteEntry(WRAP_ALIAS) }
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
