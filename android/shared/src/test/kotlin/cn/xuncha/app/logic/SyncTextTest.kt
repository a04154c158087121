package cn.xuncha.app.logic

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

class SyncTextTest {
    private val now = 1_700_000_000_000
    private val base = SyncFacts(
        pendingRecords = 0, pendingChanges = 0, pendingBytes = 0,
        lastSuccessMs = now - 5 * 60_000, lastAttemptMs = now - 5 * 60_000, lastError = null, enrolled = true,
    )

    @Test
    fun `nothing pending after a success is up to date`() {
        val s = SyncText.summary(base, now)
        assertEquals(SyncState.UP_TO_DATE, s.state)
        assertEquals("已全部同步", s.headline)
        assertEquals(listOf("待同步记录 0 条（0 处修改）", "待上传证据 0 B", "上次成功同步：5 分钟前"), s.lines)
    }

    @Test
    fun `pending records or evidence bytes are pending`() {
        val s = SyncText.summary(base.copy(pendingRecords = 2, pendingChanges = 7, pendingBytes = 3 * 1024 * 1024), now)
        assertEquals(SyncState.PENDING, s.state)
        assertEquals("待同步记录 2 条（7 处修改）", s.lines[0])
        assertEquals("待上传证据 3 MB", s.lines[1])
    }

    @Test
    fun `an error after the last success is shown, an older one is not`() {
        val failing = base.copy(pendingChanges = 1, lastAttemptMs = now - 60_000, lastError = "server unreachable")
        val s = SyncText.summary(failing, now)
        assertEquals(SyncState.FAILING, s.state)
        assertEquals("上次错误（1 分钟前）：server unreachable", s.lines.last())

        val recovered = failing.copy(lastSuccessMs = now - 30_000)
        assertEquals(SyncState.PENDING, SyncText.summary(recovered, now).state)

        val neverSucceeded = failing.copy(lastSuccessMs = null)
        assertEquals("上次成功同步：从未", SyncText.summary(neverSucceeded, now).lines[2])
    }

    @Test
    fun `a device that is not enrolled says so first`() {
        assertEquals(SyncState.NOT_ENROLLED, SyncText.summary(base.copy(enrolled = false, lastError = "x"), now).state)
    }

    @Test
    fun `progress counts records, bytes for uploads`() {
        assertEquals("上传记录 3 / 10", SyncText.progress("PUSH_RECORDS", 3, 10))
        assertEquals("上传证据 1.5 KB / 3 KB", SyncText.progress("UPLOAD_BYTES", 1536, 3072))
        assertEquals("下载更新", SyncText.progress("PULL_RECORDS", 0, 0))
        assertEquals("some_new_phase 1 / 2", SyncText.progress("some_new_phase", 1, 2))
    }

    @Test
    fun `only network failures are retried`() {
        assertEquals(AfterFailure.RETRY, SyncFailure.decide("Network"))
        for (kind in listOf("NotEnrolled", "Refused", "Storage", "Corrupt", "NotSignedIn")) {
            assertEquals(AfterFailure.STOP, SyncFailure.decide(kind))
        }
    }

    @Test
    fun `labels fall back to the name for values a newer core adds`() {
        assertEquals("夜查", Labels.shift("NIGHT"))
        assertEquals("确认违规", Labels.conclusion("CONFIRMED"))
        assertEquals("未结论", Labels.conclusion(null))
        assertEquals("随手拍", Labels.caseSource("TIP"))
        assertEquals("联合取证查处", Labels.caseState("INVESTIGATING"))
        assertEquals("SOMETHING_NEW", Labels.caseState("SOMETHING_NEW"))
        assertEquals("已答 5 / 13", Labels.answered(5, 13))
    }
}
