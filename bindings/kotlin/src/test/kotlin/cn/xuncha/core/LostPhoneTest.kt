package cn.xuncha.core

import cn.xuncha.core.ffi.ApiException
import cn.xuncha.core.ffi.newStoreKey
import cn.xuncha.core.ffi.types.Capture
import cn.xuncha.core.ffi.types.LockState
import cn.xuncha.core.ffi.types.Officer
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.io.File
import java.nio.file.Path

/** A lost phone (ADR 0013): encrypted at rest, locked after idle, wiped when revoked. */
class LostPhoneTest {
    @TempDir
    lateinit var tmp: Path

    private val t0 = 1_790_000_000_000L
    private val minute = 60_000L

    private fun allBytes(dir: File): List<Pair<File, ByteArray>> =
        dir.walkTopDown().filter { it.isFile }.map { it to it.readBytes() }.toList()

    private fun ByteArray.contains(needle: ByteArray): Boolean =
        (0..size - needle.size).any { i -> needle.indices.all { this[i + it] == needle[it] } }

    @Test
    fun `the store and its photos are unreadable on disk without the key`() {
        val dir = tmp.resolve("phone").toFile()
        val key = newStoreKey()
        assertEquals(32, key.size)
        val note = "楼上补课现场发现学生十二名"
        val hash = Xuncha.openEncrypted(dir, key).use { store ->
            store.signIn(Fixtures.education)
            store.loadReference(Fixtures.templateJson, Fixtures.jurisdictionsJson)
            val inspections = Inspections(store)
            val id = inspections.start(store.checklist(), Fixtures.GRID)
            inspections.answerYes(id, "I01", note = note)
            val item = store.addPhoto(Photos.place1, Capture(id, "I01", Photos.fixAtPlace1()))
            assertArrayEquals(Photos.place1, store.evidenceBytes(item.payload.contentHash))
            assertTrue(store.verifyRecord(id).ok)
            item.payload.contentHash
        }
        val secrets = listOf(
            Fixtures.education.name.toByteArray(),
            note.toByteArray(),
            Photos.place1.copyOfRange(Photos.place1.size / 2, Photos.place1.size / 2 + 64),
        )
        for ((file, bytes) in allBytes(dir)) {
            secrets.forEach { assertFalse(bytes.contains(it), "${file.name} holds plaintext") }
            assertFalse(bytes.size > 1 && bytes[0] == 0xFF.toByte() && bytes[1] == 0xD8.toByte(), "${file.name} is a JPEG")
        }

        val wrong = assertThrows<ApiException.StoreKeyWrong> { Xuncha.openEncrypted(dir, newStoreKey()).close() }
        assertTrue(wrong.message!!.contains("存储密钥不正确"), wrong.message)
        assertThrows<ApiException.StoreKeyWrong> { Xuncha.open(dir).close() }
        Xuncha.openEncrypted(dir, key).use { store ->
            assertArrayEquals(Photos.place1, store.evidenceBytes(hash))
        }
    }

    @Test
    fun `the app locks after idle and every call is refused until the PIN or biometrics`() {
        Xuncha.openEncrypted(tmp.resolve("phone").toFile(), newStoreKey()).use { store ->
            store.signIn(Fixtures.education)
            store.loadReference(Fixtures.templateJson, Fixtures.jurisdictionsJson)
            assertEquals(LockState.NoPin, store.lockState(t0))
            assertThrows<ApiException.InvalidInput> { store.setPin("12", t0) }
            // The store's own clock is the wall clock: lock "now", then test idle with injected times.
            val now = System.currentTimeMillis()
            store.setPin("135790", now)
            store.setIdleTimeout(1u, now)
            assertEquals(LockState.Unlocked(now + minute), store.lockState(now))
            assertEquals(LockState.Locked(0), store.lockState(now + minute))

            val locked = assertThrows<ApiException.Locked> { store.listPlaces(Fixtures.COUNTY) }
            assertTrue(locked.message!!.contains("应用已锁定"), locked.message)
            assertThrows<ApiException.Locked> { store.checklist() }
            assertEquals("林晓雯", store.identity().officer?.name, "the lock screen still knows who")

            repeat(4) { assertThrows<ApiException.PinWrong> { store.unlockWithPin("000000", now) } }
            val fifth = assertThrows<ApiException.PinWrong> { store.unlockWithPin("000000", now) }
            assertTrue(fifth.message!!.contains("30 秒"), fifth.message)
            assertThrows<ApiException.PinWrong> { store.unlockWithPin("135790", now + 1_000) }
            assertEquals(LockState.Locked(29_000), store.lockState(now + 1_000))

            store.unlockWithBiometrics(System.currentTimeMillis())
            assertTrue(store.listPlaces(Fixtures.COUNTY).isEmpty())
            store.lockNow()
            assertThrows<ApiException.Locked> { store.syncStatus() }
            store.unlockWithPin("135790", System.currentTimeMillis())
            store.checklist()
        }
    }

    @Test
    fun `a device revoked in the console wipes its store at its next sync`() {
        val dir = tmp.resolve("phone").toFile()
        Xuncha.openEncrypted(dir, newStoreKey()).use { store ->
            store.loadReference(Fixtures.templateJson, Fixtures.jurisdictionsJson)
            val user = store.enroll(DemoServer.url, DemoServer.enrollmentCode("lin"))
            store.signIn(Officer(user.name, user.department, user.certNo))
            store.sync(syncProgress { _, _, _ -> })
            assertTrue(File(dir, "xuncha.db").exists())

            DemoServer.revokeDevice(store.identity().deviceId)
            val revoked = assertThrows<ApiException.DeviceRevoked> { store.sync(syncProgress { _, _, _ -> }) }
            assertTrue(revoked.message!!.contains("本机已被管理员停用"), revoked.message)
            assertTrue(store.isWiped())
            assertTrue(allBytes(dir).isEmpty(), "${allBytes(dir).map { it.first }}")
            assertThrows<ApiException.DeviceRevoked> { store.listPlaces(Fixtures.COUNTY) }
            assertThrows<ApiException.DeviceRevoked> { store.sync(syncProgress { _, _, _ -> }) }
        }
    }
}
