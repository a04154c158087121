package cn.xuncha.core

import cn.xuncha.core.ffi.DeviceSigner
import cn.xuncha.core.ffi.SyncProgress
import cn.xuncha.core.ffi.XunchaStore
import cn.xuncha.core.ffi.types.Phase
import java.io.File

/**
 * Entry points the Android app uses around the generated bindings (package cn.xuncha.core.ffi).
 * Every rule lives in the Rust core; this file only adapts calls to Kotlin idioms.
 */
object Xuncha {
    /** Opens (creating if needed) the store kept in [dir]. Close it (or use `use {}`) when done. */
    fun open(dir: File): XunchaStore = XunchaStore.open(dir.absolutePath)

    /**
     * Opens the store with the device key held by the platform (Android Keystore): [signer] is
     * called for every piece of evidence and at enrolment. Refused (ApiException.KeyStore) when
     * its key is not ed25519 or its probe signature does not verify. Always the same key per store.
     */
    fun open(dir: File, signer: DeviceSigner): XunchaStore = XunchaStore.openWithSigner(dir.absolutePath, signer)

    /**
     * Opens the store encrypted at rest with [storeKey]: 32 bytes made once with `newStoreKey()`
     * and kept wrapped by the Android Keystore, never in plain files. A wrong key is
     * ApiException.StoreKeyWrong; [signer] as above, or null for a key kept in the encrypted store.
     */
    fun openEncrypted(dir: File, storeKey: ByteArray, signer: DeviceSigner? = null): XunchaStore =
        XunchaStore.openEncrypted(dir.absolutePath, storeKey, signer)
}

/** Loads the reference data a store needs: a checklist template and the jurisdiction tree (JSON). */
fun XunchaStore.loadReference(templateJson: String, jurisdictionsJson: String) {
    loadTemplateJson(templateJson)
    loadJurisdictionsJson(jurisdictionsJson)
}

/**
 * A [SyncProgress] from a lambda; counts are plain Longs (bytes in [Phase.UPLOAD_BYTES], records
 * otherwise). Called on the syncing thread.
 */
fun syncProgress(onProgress: (phase: Phase, done: Long, total: Long) -> Unit): SyncProgress =
    object : SyncProgress {
        override fun onProgress(phase: Phase, done: ULong, total: ULong) =
            onProgress(phase, done.toLong(), total.toLong())
    }
