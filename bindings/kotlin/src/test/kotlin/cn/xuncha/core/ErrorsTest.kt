package cn.xuncha.core

import cn.xuncha.core.ffi.ApiException
import cn.xuncha.core.ffi.XunchaStore
import cn.xuncha.core.ffi.types.AnswerValue
import cn.xuncha.core.ffi.types.CaseSource
import cn.xuncha.core.ffi.types.CaseState
import cn.xuncha.core.ffi.types.NewCase
import cn.xuncha.core.ffi.types.NewInspection
import cn.xuncha.core.ffi.types.PatrolPoint
import cn.xuncha.core.ffi.types.Shift
import cn.xuncha.core.ffi.types.StepDetails
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

/** Error paths: the exception type and the exact Chinese message (with its code) the app shows. */
class ErrorsTest {
    @TempDir
    lateinit var tmp: Path
    private lateinit var store: XunchaStore
    private lateinit var inspections: Inspections
    private lateinit var id: String

    @BeforeEach
    fun setUp() {
        store = deviceStore(tmp)
        inspections = Inspections(store)
        id = inspections.start(store.checklist(), Fixtures.GRID)
    }

    @AfterEach
    fun tearDown() = store.close()

    @Test
    fun `unknown checklist item`() {
        val e = assertThrows<ApiException.InvalidInput> { store.answerItem(id, "I99", AnswerValue.No, "") }
        assertEquals("检查项 I99 不在检查表 hidden-tutoring（第 1 版）中 (invalid)", e.message)
    }

    @Test
    fun `wrong answer type`() {
        val e = assertThrows<ApiException.InvalidInput> { store.answerItem(id, "I15", AnswerValue.Yes, "") }
        assertEquals("检查项 I15 应填写数量 (invalid)", e.message)
        val t = assertThrows<ApiException.InvalidInput> { inspections.answerCount(id, "I01", 3) }
        assertEquals("检查项 I01 应填写“是 / 否 / 不适用” (invalid)", t.message)
    }

    @Test
    fun `an item that does not apply to this check`() {
        val e = assertThrows<ApiException.InvalidInput> { inspections.answerNo(id, "I14") }
        assertEquals(
            "检查项 I14 不适用于本次检查：该项仅在夜查时检查，本次是日查 (invalid)",
            e.message,
        )
    }

    @Test
    fun `illegal case transition`() {
        val caseId = store.openCase(NewCase(Fixtures.COMMUNITY, CaseSource.TIP, "随手拍：楼栋内疑似培训"))
        val e = assertThrows<ApiException.InvalidInput> {
            store.advanceCase(caseId, CaseState.CLOSED, StepDetails())
        }
        assertEquals("案件处于“投诉接收”环节，不能直接转到“办结”，下一步只能是：核查 (illegal_transition)", e.message)
        assertEquals(CaseState.RECEIVED, store.case(caseId).state)
    }

    @Test
    fun `unknown records and templates`() {
        val e = assertThrows<ApiException.NotFound> { store.inspection("insp-missing") }
        assertEquals("找不到记录 insp-missing (not_found)", e.message)
        val t = assertThrows<ApiException.NotFound> {
            store.startInspection(NewInspection(Fixtures.TEMPLATE, 9u, Fixtures.GRID, Shift.DAY, cn.xuncha.core.ffi.types.Mode.SPOT, cn.xuncha.core.ffi.types.Approach.OPEN))
        }
        assertEquals("本机没有检查表 hidden-tutoring（第 9 版），请先同步后再试 (not_found)", t.message)
    }

    @Test
    fun `nobody signed in`() {
        store.signOut()
        val e = assertThrows<ApiException.NotSignedIn> { inspections.addFinding(id, "现场有学生") }
        assertEquals("本机尚未登录检查人员，请先登录 (not_signed_in)", e.message)
    }

    @Test
    fun `bad input values`() {
        val json = assertThrows<ApiException.InvalidInput> { store.loadTemplateJson("{\"id\": 1}") }
        assertTrue(json.message!!.startsWith("检查表数据格式不正确（第 1 行第 "), json.message)
        val patrol = store.startPatrol(Fixtures.GRID)
        val gps = assertThrows<ApiException.InvalidInput> { store.addPatrolPoint(patrol, PatrolPoint(91.0, 106.9, 5.0, 0)) }
        assertEquals("纬度 91 超出 -90 到 90 的范围 (invalid)", gps.message)
        val grid = assertThrows<ApiException.InvalidInput> { store.startPatrol(Fixtures.COMMUNITY) }
        assertEquals("qs-yx-gx-hq 不是网格，巡查须在网格内进行 (invalid)", grid.message)
    }

    @Test
    fun `error text carries ids, not what officers wrote`() {
        inspections.answerYes(id, "I02", note = "张某某 13800000000 在家授课")
        val e = assertThrows<ApiException.NotReady> { inspections.conclude(id, cn.xuncha.core.ffi.types.Conclusion.CONFIRMED) }
        assertTrue(e.message!!.contains("检查项 I02 答“是”，但没有证据"), e.message)
        assertFalse(e.message!!.contains("13800000000") || e.message!!.contains("林晓雯"), e.message)
    }
}
