package cn.xuncha.app.keys

import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import androidx.annotation.RequiresApi
import cn.xuncha.app.logic.Ed25519Keys
import cn.xuncha.core.ffi.DeviceSigner
import cn.xuncha.core.ffi.SignerException
import java.security.GeneralSecurityException
import java.security.KeyPairGenerator
import java.security.KeyStore
import java.security.ProviderException
import java.security.PrivateKey
import java.security.Signature
import java.security.spec.ECGenParameterSpec

/**
 * The device key (ed25519) inside the Android Keystore: generated there, never exportable,
 * used through the Keystore for every signature. Android 13 (API 33) added Ed25519 to the
 * Keystore; devices whose KeyMint is older refuse the key even on 13, which [create] reports
 * by throwing (the caller then uses [WrappedSeedSigner]).
 *
 * Core calls [publicKey] and [sign] through the bindings' `DeviceSigner` callback interface,
 * on whichever thread is adding evidence or enrolling, and checks every signature against the
 * public key; a Keystore failure is reported as [SignerException] and refuses that one capture.
 */
@RequiresApi(Build.VERSION_CODES.TIRAMISU)
class KeystoreSigner private constructor(private val privateKey: PrivateKey, private val raw: ByteArray) : DeviceSigner {

    override fun publicKey(): ByteArray = raw.copyOf()

    override fun sign(message: ByteArray): ByteArray = try {
        Signature.getInstance(ALGORITHM).run {
            initSign(privateKey)
            update(message)
            sign()
        }
    } catch (e: GeneralSecurityException) {
        throw SignerException.Failed("Android Keystore: ${e.javaClass.simpleName}")
    } catch (e: ProviderException) { // KeyMint errors arrive unchecked
        throw SignerException.Failed("Android Keystore: ${e.javaClass.simpleName}")
    }

    companion object {
        private const val KEYSTORE = "AndroidKeyStore"
        private const val ALGORITHM = "Ed25519"
        const val ALIAS = "xuncha-device-ed25519"

        private fun keyStore() = KeyStore.getInstance(KEYSTORE).apply { load(null) }

        /** Whether this device already holds the key (then it must keep using it). */
        fun exists(): Boolean = keyStore().containsAlias(ALIAS)

        /** Opens the key, generating it on first use. Throws where the Keystore has no Ed25519. */
        fun create(): KeystoreSigner {
            val ks = keyStore()
            if (!ks.containsAlias(ALIAS)) {
                val spec = KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_SIGN or KeyProperties.PURPOSE_VERIFY)
                    .setAlgorithmParameterSpec(ECGenParameterSpec("ed25519"))
                    .setDigests(KeyProperties.DIGEST_NONE)
                    .build()
                KeyPairGenerator.getInstance(KeyProperties.KEY_ALGORITHM_EC, KEYSTORE).apply { initialize(spec) }
                    .generateKeyPair()
            }
            val entry = ks.getEntry(ALIAS, null) as KeyStore.PrivateKeyEntry
            val signer = KeystoreSigner(entry.privateKey, Ed25519Keys.rawFromX509(entry.certificate.publicKey.encoded))
            // A Keystore that stored the key but cannot use it fails here, not mid-capture.
            check(signer.sign(byteArrayOf(0)).size == Ed25519Keys.SIGNATURE_BYTES) { "Keystore Ed25519 signature has the wrong size" }
            return signer
        }

        fun delete() = keyStore().deleteEntry(ALIAS)
    }
}
