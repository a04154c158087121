package cn.xuncha.app.keys

import android.content.Context
import android.os.Build
import android.util.Log
import cn.xuncha.core.ffi.DeviceSigner

/**
 * Chooses where the device key lives, once per installation, and keeps that choice: the key
 * is the device's identity towards the sync server, so it must never silently change.
 *   1. a wrapped seed already on disk → keep using it;
 *   2. a Keystore Ed25519 key already present → keep using it;
 *   3. new install on API 33+ → try a Keystore Ed25519 key, else fall back to the wrapped seed.
 */
object DeviceKey {
    private const val TAG = "DeviceKey"

    fun signer(context: Context): DeviceSigner {
        val dir = context.noBackupFilesDir
        if (WrappedSeedSigner.file(dir).exists()) return WrappedSeedSigner.openOrCreate(dir)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
            if (KeystoreSigner.exists()) return KeystoreSigner.create()
            try {
                return KeystoreSigner.create()
            } catch (e: Exception) {
                // KeyMint without Curve 25519: no key was made (or a useless one, removed here).
                Log.w(TAG, "Keystore has no usable Ed25519 (${e.javaClass.simpleName}); using a wrapped key")
                runCatching { KeystoreSigner.delete() }
            }
        }
        return WrappedSeedSigner.openOrCreate(dir)
    }
}
