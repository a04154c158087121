package cn.xuncha.core

import cn.xuncha.core.ffi.AnswerValue
import cn.xuncha.core.ffi.ApiException
import cn.xuncha.core.ffi.CaseSource
import cn.xuncha.core.ffi.CaseState
import cn.xuncha.core.ffi.NewCase
import cn.xuncha.core.ffi.NewInspection
import cn.xuncha.core.ffi.PatrolPoint
import cn.xuncha.core.ffi.Shift
import cn.xuncha.core.ffi.StepDetails
import cn.xuncha.core.ffi.XunchaStore
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

/** Error paths: the exception type and the exact message the app would show. */
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
        assertEquals("checklist item I99 is not in template hidden-tutoring version 1", e.message)
    }

    @Test
    fun `wrong answer type`() {
        val e = assertThrows<ApiException.InvalidInput> { store.answerItem(id, "I15", AnswerValue.Yes, "") }
        assertEquals("checklist item I15 expects a count, but got yes/no/not applicable", e.message)
        val t = assertThrows<ApiException.InvalidInput> { inspections.answerCount(id, "I01", 3) }
        assertEquals("checklist item I01 expects yes/no/not applicable, but got a count", t.message)
    }

    @Test
    fun `an item that does not apply to this check`() {
        val e = assertThrows<ApiException.InvalidInput> { inspections.answerNo(id, "I14") }
        assertEquals(
            "checklist item I14 does not apply to this inspection: it is asked only on night checks, this is a day check",
            e.message,
        )
    }

    @Test
    fun `illegal case transition`() {
        val caseId = store.openCase(NewCase(Fixtures.COMMUNITY, CaseSource.TIP, "随手拍：楼栋内疑似培训"))
        val e = assertThrows<ApiException.InvalidInput> {
            store.advanceCase(caseId, CaseState.CLOSED, StepDetails())
        }
        assertEquals("a case in state received cannot move to closed; allowed next: verifying", e.message)
        assertEquals(CaseState.RECEIVED, store.case(caseId).state)
    }

    @Test
    fun `unknown records and templates`() {
        val e = assertThrows<ApiException.NotFound> { store.inspection("insp-missing") }
        assertEquals("record insp-missing was not found", e.message)
        val t = assertThrows<ApiException.NotFound> {
            store.startInspection(NewInspection(Fixtures.TEMPLATE, 9u, Fixtures.GRID, Shift.DAY, cn.xuncha.core.ffi.Mode.SPOT, cn.xuncha.core.ffi.Approach.OPEN))
        }
        assertEquals("checklist template hidden-tutoring version 9 is not known to this store", t.message)
    }

    @Test
    fun `nobody signed in`() {
        store.signOut()
        val e = assertThrows<ApiException.NotSignedIn> { inspections.addFinding(id, "现场有学生") }
        assertEquals("no officer is signed in on this device", e.message)
    }

    @Test
    fun `bad input values`() {
        val json = assertThrows<ApiException.InvalidInput> { store.loadTemplateJson("{\"id\": 1}") }
        assertTrue(json.message!!.startsWith("invalid checklist template JSON: "), json.message)
        val patrol = store.startPatrol(Fixtures.GRID)
        val gps = assertThrows<ApiException.InvalidInput> { store.addPatrolPoint(patrol, PatrolPoint(91.0, 106.9, 5.0, 0)) }
        assertEquals("invalid latitude: 91 is outside -90..90", gps.message)
        val grid = assertThrows<ApiException.InvalidInput> { store.startPatrol(Fixtures.COMMUNITY) }
        assertEquals("invalid patrol grid: qs-yx-gx-hq is not a grid", grid.message)
    }

    @Test
    fun `error text carries ids, not what officers wrote`() {
        inspections.answerYes(id, "I02", note = "张某某 13800000000 在家授课")
        val e = assertThrows<ApiException.NotReady> { inspections.conclude(id, cn.xuncha.core.ffi.Conclusion.CONFIRMED) }
        assertTrue(e.message!!.contains("item I02 is answered yes without evidence"), e.message)
        assertFalse(e.message!!.contains("13800000000") || e.message!!.contains("林晓雯"), e.message)
    }
}
