package cn.xuncha.app.logic

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Assertions.assertThrows

class UnitsTest {
    @Test
    fun `bytes read in the unit that fits`() {
        assertEquals("0 B", Units.bytes(0))
        assertEquals("1023 B", Units.bytes(1023))
        assertEquals("1 KB", Units.bytes(1024))
        assertEquals("1.5 KB", Units.bytes(1536))
        assertEquals("3.2 MB", Units.bytes((3.2 * 1024 * 1024).toLong()))
        assertEquals("1.1 GB", Units.bytes((1.1 * 1024 * 1024 * 1024).toLong()))
        assertThrows(IllegalArgumentException::class.java) { Units.bytes(-1) }
    }

    @Test
    fun `distances are whole metres, never zero, then kilometres`() {
        assertEquals("1 米", Units.metres(0.2))
        assertEquals("8 米", Units.metres(7.6))
        assertEquals("999 米", Units.metres(999.4))
        assertEquals("1.2 公里", Units.metres(1240.0))
        assertThrows(IllegalArgumentException::class.java) { Units.metres(Double.NaN) }
    }

    @Test
    fun `ago counts down from now and tolerates a clock that moved back`() {
        val now = 1_700_000_000_000
        assertEquals("从未", Units.ago(null, now))
        assertEquals("刚刚", Units.ago(now - 59_000, now))
        assertEquals("刚刚", Units.ago(now + 60_000, now))
        assertEquals("5 分钟前", Units.ago(now - 5 * 60_000, now))
        assertEquals("3 小时前", Units.ago(now - 3 * 3_600_000, now))
        assertEquals("2 天前", Units.ago(now - 2 * 86_400_000, now))
    }

    @Test
    fun `record times are shown in the phone's zone`() {
        val ms = 1_700_000_000_000 // 2023-11-14T22:13:20Z
        assertEquals("2023-11-15 06:13", Units.dateTime(ms, java.time.ZoneId.of("Asia/Shanghai")))
        assertEquals("2023-11-14 22:13", Units.dateTime(ms, java.time.ZoneOffset.UTC))
    }

    @Test
    fun `the location line warns on poor accuracy, mock locations and missing fixes`() {
        val good = LocationText.line(7.6, 50.0, mock = false)
        assertEquals("定位精度 ±8 米", good.text)
        assertFalse(good.warning)

        val poor = LocationText.line(120.0, 50.0, mock = false)
        assertEquals("定位精度 ±120 米（要求 50 米以内）", poor.text)
        assertTrue(poor.warning)

        val mock = LocationText.line(5.0, 50.0, mock = true)
        assertEquals("定位精度 ±5 米 · 模拟位置", mock.text)
        assertTrue(mock.warning)

        for (none in listOf(null, 0.0, -1.0, Double.NaN)) {
            assertEquals(LocationLine("未取得定位", warning = true), LocationText.line(none, 50.0, mock = false))
        }
    }

    @Test
    fun `provider names are the three core knows`() {
        assertEquals("gps", LocationText.providerName("gps"))
        assertEquals("network", LocationText.providerName("NETWORK"))
        assertEquals("fused", LocationText.providerName("fused"))
        assertEquals("fused", LocationText.providerName(null))
    }
}
