package cn.xuncha.core

import cn.xuncha.core.ffi.ApiException
import cn.xuncha.core.ffi.types.CaseSource
import cn.xuncha.core.ffi.types.CaseState
import cn.xuncha.core.ffi.types.Conclusion
import cn.xuncha.core.ffi.types.InspectionFilter
import cn.xuncha.core.ffi.types.NewCase
import cn.xuncha.core.ffi.types.PatrolPoint
import cn.xuncha.core.ffi.types.PatrolResult
import cn.xuncha.core.ffi.types.RecordKind
import cn.xuncha.core.ffi.types.Shift
import cn.xuncha.core.ffi.types.StepDetails
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

class InspectionTest {
    @TempDir
    lateinit var tmp: Path

    @Test
    fun `opens a store, signs in and loads reference data`() {
        Xuncha.open(tmp.resolve("d").toFile()).use { store ->
            val id = store.identity()
            assertTrue(id.deviceId.isNotEmpty())
            assertNull(id.officer)
            store.signIn(Fixtures.education)
            assertEquals(Fixtures.education, store.identity().officer)
            val template = store.loadTemplateJson(Fixtures.templateJson)
            assertEquals(16, template.items.size)
            assertEquals("隐形变异学科类校外培训检查清单", template.title)
            assertEquals(16u, store.loadJurisdictionsJson(Fixtures.jurisdictionsJson))
            assertEquals(listOf(Fixtures.COMMUNITY, "qs-yx-gx-hq-g1", "qs-yx-gx-hq-g2"), store.jurisdictionSubtree(Fixtures.COMMUNITY).map { it.id })
        }
        // Reopening finds the officer and the reference data again.
        Xuncha.open(tmp.resolve("d").toFile()).use { store ->
            assertEquals(Fixtures.education, store.identity().officer)
            assertEquals(1u, store.checklist().version)
        }
    }

    @Test
    fun `a whole inspection from template to conclusion`() {
        deviceStore(tmp).use { store ->
            val inspections = Inspections(store)
            val id = inspections.start(store.checklist(), Fixtures.GRID)
            inspections.answerAllClear(id)
            val findingId = inspections.addFinding(id, "门口张贴“暑期一对一辅导”小广告，已拍照")
            inspections.conclude(id, Conclusion.NO_PROBLEM)

            val done = inspections[id]
            assertEquals(Conclusion.NO_PROBLEM, done.conclusion)
            assertNotNull(done.endedAtMs)
            assertEquals(listOf(Fixtures.education), done.team)
            assertEquals(13, done.answers.size)
            assertTrue(done.answers.all { it.answeredBy == Fixtures.education && it.deviceId == store.identity().deviceId })
            assertEquals(listOf(findingId), done.findings.map { it.id })

            val rows = inspections.list(InspectionFilter(jurisdictionId = Fixtures.COUNTY, shift = Shift.DAY))
            assertEquals(listOf(id), rows.map { it.id })
            assertEquals(13u, rows[0].answered)
            assertEquals(listOf("教育局"), rows[0].departments)

            val hits = store.search("一对一", 10u)
            assertEquals(listOf(id), hits.map { it.recordId })
            assertEquals(RecordKind.INSPECTION, hits[0].kind)

            val audit = store.auditTrail(id)
            assertTrue(audit.any { it.field == "conclusion" && it.certNo == "QS-JY-2023-0117" })
        }
    }

    @Test
    fun `a yes answer without note or evidence is refused at conclusion, naming the item`() {
        deviceStore(tmp).use { store ->
            val inspections = Inspections(store)
            val id = inspections.start(store.checklist(), Fixtures.GRID)
            inspections.answerAllClear(id)
            inspections.answerYes(id, "I07", note = "")
            val e = assertThrows<ApiException.NotReady> { inspections.conclude(id, Conclusion.SUSPECTED) }
            assertEquals(
                "检查还不能下结论：检查项 I07 答“是”，但未填写说明；检查项 I07 答“是”，但没有证据 (not_ready)",
                e.message,
            )
            inspections.answerYes(id, "I07", note = "在职教师在出租屋内授课")
            val again = assertThrows<ApiException.NotReady> { inspections.conclude(id, Conclusion.NO_PROBLEM) }
            assertEquals(
                "检查还不能下结论：检查项 I07 答“是”，但没有证据；有 1 个检查项答“是”，结论不能是“无问题” (not_ready)",
                again.message,
            )
            assertNull(inspections[id].conclusion)
        }
    }

    @Test
    fun `a lead goes around the closed loop`() {
        deviceStore(tmp).use { store ->
            val caseId = store.openCase(NewCase(Fixtures.COMMUNITY, CaseSource.HOTLINE, "12345热线：小区内疑似有偿补课"))
            val path = listOf(CaseState.VERIFYING, CaseState.INVESTIGATING, CaseState.DECIDED, CaseState.FEEDBACK_GIVEN, CaseState.CLOSED)
            path.forEach {
                store.advanceCase(caseId, it, StepDetails(department = "教育局", note = "→ $it"))
                Thread.sleep(2) // core orders steps by (time in ms, random id): one millisecond may swap two
            }
            val case = store.case(caseId)
            assertEquals(CaseState.CLOSED, case.state)
            assertEquals(path, case.steps.map { it.to })
            assertEquals(listOf(caseId), store.listCases(Fixtures.COUNTY, CaseState.CLOSED).map { it.id })
        }
    }

    @Test
    fun `a patrol with nothing found is recorded`() {
        deviceStore(tmp).use { store ->
            val id = store.startPatrol(Fixtures.GRID)
            store.addPatrolPoint(id, PatrolPoint(26.61, 106.91, 8.0, System.currentTimeMillis()))
            store.finishPatrol(id, PatrolResult.NOTHING_FOUND, "")
            val log = store.patrol(id)
            assertEquals(PatrolResult.NOTHING_FOUND, log.result)
            assertEquals(1, log.points.size)
            assertEquals("林晓雯", log.officer)
        }
    }
}
