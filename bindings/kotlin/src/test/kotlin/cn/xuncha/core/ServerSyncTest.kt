package cn.xuncha.core

import cn.xuncha.core.ffi.ApiException
import cn.xuncha.core.ffi.types.Capture
import cn.xuncha.core.ffi.types.InspectionFilter
import cn.xuncha.core.ffi.types.Officer
import cn.xuncha.core.ffi.types.Phase
import cn.xuncha.core.ffi.types.UserInfo
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.util.Collections

/** Sync with a real server on loopback: the demo server scripts/test starts (xuncha-server --demo). */
class ServerSyncTest {
    @TempDir
    lateinit var tmp: Path

    private data class Progress(val phase: Phase, val done: Long, val total: Long)

    @Test
    fun `enrols with a one-time code, pulls the demo county, pushes an inspection with a photo`() {
        Xuncha.open(tmp.resolve("phone").toFile()).use { store ->
            store.loadReference(Fixtures.templateJson, Fixtures.jurisdictionsJson)
            assertFalse(store.syncStatus().enrolled)
            val early = assertThrows<ApiException.NotEnrolled> { store.sync(syncProgress { _, _, _ -> }) }
            assertEquals("本机尚未登记到服务器，请向管理员索取登记码完成登记 (not_enrolled)", early.message)

            val code = DemoServer.enrollmentCode("lin")
            val user = store.enroll(DemoServer.url, code)
            assertEquals(UserInfo("lin", "林晓雯", "inspector", "qs-yx", "教育局", "QS-JY-2023-0117"), user)
            store.signIn(Officer(user.name, user.department, user.certNo))
            val again = assertThrows<ApiException.Refused> { store.enroll(DemoServer.url, code) }
            assertTrue(again.message!!.endsWith("(refused)") && again.message!!.any { it in '\u4e00'..'\u9fff' }, again.message)

            // First sync: the county's places and the demo day's records come down.
            val calls = Collections.synchronizedList(mutableListOf<Progress>())
            val progress = syncProgress { phase, done, total -> calls += Progress(phase, done, total) }
            val first = store.sync(progress)
            assertEquals(listOf(Phase.PUSH_RECORDS, Phase.UPLOAD_BYTES, Phase.PULL_RECORDS), calls.map { it.phase }.distinct())
            assertTrue(first.pulledChanges > 0uL, "$first")
            val places = store.listPlaces(Fixtures.COUNTY)
            assertTrue(places.any { it.name == "荷桥花园小区" }, "${places.map { it.name }}")
            val demo = store.listInspections(InspectionFilter(jurisdictionId = Fixtures.COUNTY), 50u, 0u)
            assertTrue(demo.isNotEmpty(), "the demo day's inspection reached lin's phone")
            // Evidence metadata arrives before (and without) the photo bytes.
            val demoPhotos = demo.flatMap { store.evidenceForRecord(it.id) }
            assertTrue(demoPhotos.isNotEmpty() && demoPhotos.none { it.bytesPresent }, "$demoPhotos")

            // A new inspection with a photo is pending until the next sync.
            val inspections = Inspections(store)
            val id = inspections.start(store.checklist(), Fixtures.GRID, placeId = places.first { it.name == "荷桥花园小区" }.id)
            inspections.answerYes(id, "I01", note = "客厅内一名教师为一名初二学生讲授数学")
            val photo = store.addPhoto(Photos.place1, Capture(id, "I01", Photos.fixAtPlace1()))
            store.syncStatus().let {
                assertEquals(1uL, it.pendingRecords)
                assertEquals(photo.payload.size, it.pendingBytes)
            }
            calls.clear()
            val second = store.sync(progress)
            assertTrue(second.pushedChanges > 0uL, "$second")
            assertEquals(1uL, second.pushedEvidence)
            assertEquals(photo.payload.size, second.uploadedBytes)
            val size = photo.payload.size.toLong()
            assertEquals(Progress(Phase.UPLOAD_BYTES, size, size), calls.last { it.phase == Phase.UPLOAD_BYTES })

            val status = store.syncStatus()
            assertEquals(0uL, status.pendingRecords)
            assertEquals(0uL, status.pendingChanges)
            assertEquals(0uL, status.pendingBytes)
            assertNull(status.lastError)
            assertNotNull(status.lastSuccessMs)
            assertTrue(status.enrolled)
            assertEquals(DemoServer.url, status.serverUrl)
        }
    }

    @Test
    fun `a wrong code is refused and an unreachable server is a network error`() {
        deviceStore(tmp).use { store ->
            val wrong = assertThrows<ApiException.Refused> { store.enroll(DemoServer.url, "000000") }
            assertTrue(wrong.message!!.endsWith("(refused)") && wrong.message!!.any { it in '\u4e00'..'\u9fff' }, wrong.message)
            val down = assertThrows<ApiException.Network> { store.enroll("http://127.0.0.1:9", "000000") }
            assertTrue(down.message!!.startsWith("无法连接服务器") && down.message!!.endsWith("(network)"), down.message)
            assertFalse(store.syncStatus().enrolled)
        }
    }
}
