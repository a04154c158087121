package cn.xuncha.core

import cn.xuncha.core.ffi.ApiException
import cn.xuncha.core.ffi.types.Capture
import cn.xuncha.core.ffi.types.Conclusion
import cn.xuncha.core.ffi.types.EvidenceKind
import cn.xuncha.core.ffi.types.Flag
import cn.xuncha.core.ffi.types.GpsProvider
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

/** Photos, signatures and voice notes fixed as evidence: capture, flags, refusals, verification. */
class EvidenceTest {
    @TempDir
    lateinit var tmp: Path

    @Test
    fun `a whole inspection with a photo and GPS concludes, and its evidence verifies`() {
        deviceStore(tmp).use { store ->
            val inspections = Inspections(store)
            val id = inspections.start(store.checklist(), Fixtures.GRID)
            inspections.answerAllClear(id)
            inspections.answerYes(id, "I01", note = "客厅内一名教师为一名初二学生讲授数学")
            assertThrows<ApiException.NotReady> { inspections.conclude(id, Conclusion.SUSPECTED) }

            val photo = store.addPhoto(Photos.place1, Capture(id, "I01", Photos.fixAtPlace1(accuracyM = 8.0)))
            inspections.conclude(id, Conclusion.SUSPECTED)

            val done = inspections[id]
            assertEquals(Conclusion.SUSPECTED, done.conclusion)
            assertEquals(listOf(photo.entryHash), done.evidence.map { it.entryHash })
            assertEquals("I01", done.evidence[0].itemId)

            // What was fixed at capture: bytes, place, time, device, officer.
            assertEquals(listOf(photo), store.evidenceForRecord(id))
            assertEquals(photo, store.evidenceItem(photo.entryHash))
            assertEquals(EvidenceKind.PHOTO, photo.payload.kind)
            assertEquals("image/jpeg", photo.payload.mime)
            assertEquals(Photos.place1.size.toULong(), photo.payload.size)
            assertEquals(64, photo.payload.contentHash.length)
            assertEquals(Fixtures.education.name, photo.payload.officer)
            assertEquals(Fixtures.education.certNo, photo.payload.certNo)
            assertEquals(store.identity().deviceId, photo.payload.deviceId)
            assertEquals(store.devicePublicKey(), photo.payload.publicKey)
            assertEquals(1uL, photo.payload.chainSeq)
            assertNull(photo.payload.prev)
            assertEquals(Photos.fixAtPlace1(accuracyM = 8.0), photo.payload.gps)
            assertEquals(GpsProvider.FUSED, photo.payload.gps?.provider)
            assertEquals(Photos.PLACE1_LAT, photo.payload.exif?.lat!!, 1e-6)
            assertEquals(Photos.PLACE1_LON, photo.payload.exif?.lon!!, 1e-6)
            assertEquals("Xiaomi", photo.payload.exif?.make)
            assertEquals(Photos.PLACE1_TAKEN_MS, photo.payload.exif?.capturedAtMs)
            assertEquals(emptyList<Flag>(), photo.payload.flags, "a good fix where and when the photo was taken")
            assertTrue(photo.bytesPresent)
            assertArrayEquals(Photos.place1, store.evidenceBytes(photo.payload.contentHash))

            // Untouched since capture.
            for (report in listOf(store.verifyEvidence(photo.entryHash), store.verifyRecord(id), store.verifyDeviceChain(photo.payload.deviceId))) {
                assertTrue(report.ok, "$report")
                assertEquals(1u, report.itemsChecked)
                assertEquals(emptyList<Any>(), report.failures)
            }

            // A thumbnail: a small upright JPEG, made ahead of time or on first use.
            assertEquals(1u, store.makeThumbnails(10u))
            assertEquals(0u, store.makeThumbnails(10u))
            val thumb = store.thumbnail(photo.payload.contentHash)
            assertEquals(listOf(0xFF.toByte(), 0xD8.toByte()), thumb.take(2))
            assertTrue(thumb.size < Photos.place1.size / 4, "${thumb.size} bytes")
        }
    }

    @Test
    fun `a photo file, a signature and a voice note join the device chain`() {
        deviceStore(tmp).use { store ->
            val id = Inspections(store).start(store.checklist(), Fixtures.GRID)
            val fix = Photos.fixAtPlace1()
            val photo = store.addPhotoFile(Photos.place1Path, Capture(id, null, fix))
            val signature = store.addSignature(Photos.signaturePng, Capture(id, null, fix))
            val voice = store.addVoiceNote("AAC...".toByteArray(), "audio/mp4", Capture(id, null, null))
            assertEquals(listOf(EvidenceKind.PHOTO, EvidenceKind.SIGNATURE, EvidenceKind.VOICE_NOTE), listOf(photo, signature, voice).map { it.payload.kind })
            assertEquals(listOf(1uL, 2uL, 3uL), listOf(photo, signature, voice).map { it.payload.chainSeq })
            assertEquals(listOf(null, photo.entryHash, signature.entryHash), listOf(photo, signature, voice).map { it.payload.prev })
            assertEquals(listOf(Flag.NoGpsFix), voice.payload.flags)
            assertEquals(setOf(photo, signature, voice), store.evidenceForRecord(id).toSet())
            // The same capture handed over twice (an app retry) is the same evidence.
            assertEquals(photo, store.addPhoto(Photos.place1, Capture(id, null, fix)))
            val chain = store.verifyDeviceChain(store.identity().deviceId)
            assertTrue(chain.ok, "$chain")
            assertEquals(3u, chain.itemsChecked)
        }
    }

    @Test
    fun `a truncated photo is refused with a clear message and nothing is stored`() {
        deviceStore(tmp).use { store ->
            val id = Inspections(store).start(store.checklist(), Fixtures.GRID)
            val cut = Photos.place1.copyOf(Photos.place1.size / 2)
            val e = assertThrows<ApiException.InvalidInput> { store.addPhoto(cut, Capture(id, "I01", Photos.fixAtPlace1())) }
            assertEquals("照片文件不完整（可能拍摄或复制时中断），请重拍 (invalid)", e.message)
            val empty = assertThrows<ApiException.InvalidInput> { store.addPhoto(ByteArray(0), Capture(id)) }
            assertEquals("照片文件是空的，请重拍 (invalid)", empty.message)
            val png = assertThrows<ApiException.InvalidInput> { store.addPhoto(Photos.signaturePng, Capture(id)) }
            assertEquals("文件不是 JPEG 照片 (invalid)", png.message)
            val voice = assertThrows<ApiException.InvalidInput> {
                store.addVoiceNote(byteArrayOf(1, 2, 3), "video/mp4", Capture(id))
            }
            assertEquals("\"video/mp4\" 不是录音文件类型 (invalid)", voice.message)
            val item = assertThrows<ApiException.InvalidInput> { store.addPhoto(Photos.place1, Capture(id, "I99")) }
            assertEquals("检查项 I99 不在检查表 hidden-tutoring（第 1 版）中 (invalid)", item.message)
            assertEquals(emptyList<Any>(), store.evidenceForRecord(id))
            assertTrue(inspectionsOf(store)[id].evidence.isEmpty())
        }
    }

    @Test
    fun `impossible GPS fixes are refused`() {
        deviceStore(tmp).use { store ->
            val id = Inspections(store).start(store.checklist(), Fixtures.GRID)
            val zero = assertThrows<ApiException.InvalidInput> {
                store.addPhoto(Photos.place1, Capture(id, "I01", Photos.fixAtPlace1(accuracyM = 0.0)))
            }
            assertEquals("定位精度 0 米不是正数 (invalid)", zero.message)
            val offGlobe = assertThrows<ApiException.InvalidInput> {
                store.addPhoto(Photos.place1, Capture(id, "I01", Photos.fixAtPlace1(lat = 95.0)))
            }
            assertEquals("纬度 95 超出 -90 到 90 的范围 (invalid)", offGlobe.message)
            assertEquals(emptyList<Any>(), store.evidenceForRecord(id))
        }
    }

    @Test
    fun `a poor fix is kept as evidence and flagged for the reviewer`() {
        deviceStore(tmp).use { store ->
            val id = Inspections(store).start(store.checklist(), Fixtures.GRID)
            val limit = store.checklist().gpsAccuracyLimitM
            val poor = store.addPhoto(Photos.place1, Capture(id, "I01", Photos.fixAtPlace1(accuracyM = 120.0)))
            assertEquals(listOf(Flag.PoorAccuracy(120.0, limit)), poor.payload.flags)
            val mocked = store.addPhoto(
                Photos.place2,
                Capture(id, "I02", Photos.fixAtPlace1().copy(mock = true)),
            )
            assertTrue(Flag.MockLocation in mocked.payload.flags, "${mocked.payload.flags}")
            assertTrue(mocked.payload.flags.any { it is Flag.ExifPositionMismatch }, "place 2's photo is kilometres away: ${mocked.payload.flags}")
            assertTrue(store.verifyRecord(id).ok)
        }
    }

    @Test
    fun `tampered bytes fail verification, naming the check`() {
        deviceStore(tmp).use { store ->
            val id = Inspections(store).start(store.checklist(), Fixtures.GRID)
            val photo = store.addPhoto(Photos.place1, Capture(id, "I01", Photos.fixAtPlace1()))
            val file = tmp.resolve("device/evidence/${photo.payload.contentHash.take(2)}/${photo.payload.contentHash}").toFile()
            assertTrue(file.isFile, "core keeps the bytes at $file")
            file.writeBytes(Photos.place1.copyOf().also { it[it.size / 2] = (it[it.size / 2] + 1).toByte() })
            val report = store.verifyRecord(id)
            assertFalse(report.ok)
            assertEquals(listOf(cn.xuncha.core.ffi.types.VerifyCheck.BYTES), report.failures.map { it.check })
            assertEquals(photo.entryHash, report.failures[0].entryHash)
            assertEquals("照片文件（${Photos.place1.size} 字节）与其哈希不符，已被改动", report.failures[0].message)
        }
    }

    private fun inspectionsOf(store: cn.xuncha.core.ffi.XunchaStore) = Inspections(store)
}
