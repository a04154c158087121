package cn.xuncha.app.sync

import android.content.Context
import androidx.work.CoroutineWorker
import androidx.work.WorkerParameters
import androidx.work.workDataOf
import cn.xuncha.app.core
import cn.xuncha.app.logic.AfterFailure
import cn.xuncha.app.logic.SyncFailure
import cn.xuncha.core.ffi.ApiException
import cn.xuncha.core.syncProgress
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext

/**
 * One sync with the server, run by WorkManager once the network is up (periodic, and on
 * demand from the 同步状态 screen). Core does the work — push, upload evidence, pull — and
 * records the outcome in the store, where the sync screen reads it; this worker only reports
 * progress and tells WorkManager whether to try again.
 */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {

    override suspend fun doWork(): Result = lock.withLock {
        val core = applicationContext.core
        withContext(Dispatchers.IO) {
            try {
                // Called on this (the syncing) thread: setProgressAsync does not block it.
                val report = core.sync(syncProgress { phase, done, total ->
                    setProgressAsync(workDataOf(KEY_PHASE to phase.name, KEY_DONE to done, KEY_TOTAL to total))
                })
                Result.success(
                    workDataOf(
                        "pushed_changes" to report.pushedChanges.toLong(),
                        "pulled_changes" to report.pulledChanges.toLong(),
                        "uploaded_bytes" to report.uploadedBytes.toLong(),
                    ),
                )
            } catch (e: ApiException) {
                // Core has already stored the error for the sync screen; the message names no person.
                when (SyncFailure.decide(e.javaClass.simpleName)) {
                    AfterFailure.RETRY -> Result.retry()
                    AfterFailure.STOP -> Result.failure(workDataOf(KEY_ERROR to e.message))
                }
            }
        }
    }

    companion object {
        const val KEY_PHASE = "phase"
        const val KEY_DONE = "done"
        const val KEY_TOTAL = "total"
        const val KEY_ERROR = "error"

        /** Periodic and on-demand runs may overlap; one sync at a time per process. */
        private val lock = Mutex()
    }
}
