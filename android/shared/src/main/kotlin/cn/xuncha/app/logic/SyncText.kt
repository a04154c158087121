package cn.xuncha.app.logic

/** The sync status as core reports it (XunchaStore.syncStatus), in plain types. */
data class SyncFacts(
    val pendingRecords: Long,
    val pendingChanges: Long,
    val pendingBytes: Long,
    val lastSuccessMs: Long?,
    val lastAttemptMs: Long?,
    val lastError: String?,
    val enrolled: Boolean,
)

enum class SyncState { NOT_ENROLLED, UP_TO_DATE, PENDING, FAILING }

/** The 同步状态 screen's headline and lines. */
data class SyncSummary(val state: SyncState, val headline: String, val lines: List<String>)

object SyncText {
    fun summary(f: SyncFacts, nowMs: Long): SyncSummary {
        val failing = f.lastError != null && f.lastAttemptMs != null &&
            (f.lastSuccessMs == null || f.lastAttemptMs > f.lastSuccessMs)
        val pending = f.pendingChanges > 0 || f.pendingBytes > 0
        val state = when {
            !f.enrolled -> SyncState.NOT_ENROLLED
            failing -> SyncState.FAILING
            pending -> SyncState.PENDING
            else -> SyncState.UP_TO_DATE
        }
        val headline = when (state) {
            SyncState.NOT_ENROLLED -> "本机未登记，数据只保存在本机"
            SyncState.FAILING -> "同步失败，数据已保存在本机，联网后自动重试"
            SyncState.PENDING -> "有待同步的数据"
            SyncState.UP_TO_DATE -> "已全部同步"
        }
        val lines = buildList {
            add("待同步记录 ${f.pendingRecords} 条（${f.pendingChanges} 处修改）")
            add("待上传证据 ${Units.bytes(f.pendingBytes)}")
            add("上次成功同步：${Units.ago(f.lastSuccessMs, nowMs)}")
            if (failing) add("上次错误（${Units.ago(f.lastAttemptMs, nowMs)}）：${f.lastError}")
        }
        return SyncSummary(state, headline, lines)
    }

    /**
     * One progress callback as a line, the phase given by its enum name ("UPLOAD_BYTES"): record
     * phases count records, the upload phase counts bytes ("上传证据 1.2 MB / 3.4 MB"). Unknown
     * phases are shown by name.
     */
    fun progress(phase: String, done: Long, total: Long): String {
        val label = Labels.syncPhase(phase)
        return when {
            total <= 0 -> label
            phase == "UPLOAD_BYTES" -> "$label ${Units.bytes(done)} / ${Units.bytes(total)}"
            else -> "$label $done / $total"
        }
    }
}

/** How a failed background sync ends, by the kind of core error (ApiException subclass name). */
enum class AfterFailure {
    /** The link failed: nothing is lost; let WorkManager / BGTaskScheduler try again later. */
    RETRY,
    /** Retrying unchanged will not help (not enrolled, refused, storage): show it, stop. */
    STOP,
}

object SyncFailure {
    fun decide(errorKind: String): AfterFailure = when (errorKind) {
        "Network" -> AfterFailure.RETRY
        else -> AfterFailure.STOP
    }
}
