package cn.xuncha.core

import cn.xuncha.core.ffi.SyncProgress
import cn.xuncha.core.ffi.XunchaStore
import java.io.File

/**
 * Entry points the Android app uses around the generated bindings (package cn.xuncha.core.ffi).
 * Every rule lives in the Rust core; this file only adapts calls to Kotlin idioms.
 */
object Xuncha {
    /** Opens (creating if needed) the store kept in [dir]. Close it (or use `use {}`) when done. */
    fun open(dir: File): XunchaStore = XunchaStore.open(dir.absolutePath)
}

/** Loads the reference data a store needs: a checklist template and the jurisdiction tree (JSON). */
fun XunchaStore.loadReference(templateJson: String, jurisdictionsJson: String) {
    loadTemplateJson(templateJson)
    loadJurisdictionsJson(jurisdictionsJson)
}

/** A [SyncProgress] from a lambda; counts are plain Longs. Called on the syncing thread. */
fun syncProgress(onProgress: (phase: String, done: Long, total: Long) -> Unit): SyncProgress =
    object : SyncProgress {
        override fun onProgress(phase: String, done: ULong, total: ULong) =
            onProgress(phase, done.toLong(), total.toLong())
    }
