package cn.xuncha.app

import android.content.Context
import android.util.Log

/**
 * The core does its own HTTPS (reqwest + rustls) and checks server certificates against
 * Android's trust store through rustls-platform-verifier, which needs the app context once per
 * process, before the first sync. [init] is a JNI function of libxuncha.so (see
 * android/README.md: the bindings must export `Java_cn_xuncha_app_NativeTls_init`).
 */
object NativeTls {
    private external fun init(context: Context)

    fun install(context: Context) {
        try {
            System.loadLibrary("xuncha")
            init(context.applicationContext)
        } catch (e: UnsatisfiedLinkError) {
            // A library without the hook: everything but HTTPS sync still works.
            Log.e("NativeTls", "libxuncha has no TLS init hook; HTTPS sync will fail", e)
        }
    }
}
