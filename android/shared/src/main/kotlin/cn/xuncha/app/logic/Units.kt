package cn.xuncha.app.logic

import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.util.Locale
import kotlin.math.roundToLong

/**
 * Numbers as the screens show them, in Chinese. Pure functions: no android.*, so they are
 * compiled and tested on the desktop JVM (android/shared/test.sh).
 */
object Units {
    private const val KB = 1024L
    private const val MB = KB * 1024
    private const val GB = MB * 1024

    /** A byte count for people: "0 B", "512 B", "1.5 KB", "3.2 MB", "1.1 GB". */
    fun bytes(n: Long): String {
        require(n >= 0) { "byte count must not be negative: $n" }
        return when {
            n < KB -> "$n B"
            n < MB -> "${oneDecimal(n.toDouble() / KB)} KB"
            n < GB -> "${oneDecimal(n.toDouble() / MB)} MB"
            else -> "${oneDecimal(n.toDouble() / GB)} GB"
        }
    }

    /** A distance in metres, rounded to whole metres ("8 米"), or kilometres from 1 km ("1.2 公里"). */
    fun metres(m: Double): String {
        require(m.isFinite() && m >= 0) { "distance must be finite and not negative: $m" }
        return if (m < 1000) "${maxOf(1L, m.roundToLong())} 米" else "${oneDecimal(m / 1000)} 公里"
    }

    /**
     * How long ago [thenMs] was, seen at [nowMs]: "刚刚", "5 分钟前", "3 小时前", "2 天前";
     * "从未" when there is no time. A time in the future (the clock moved) reads "刚刚".
     */
    fun ago(thenMs: Long?, nowMs: Long): String {
        if (thenMs == null) return "从未"
        val s = (nowMs - thenMs) / 1000
        return when {
            s < 60 -> "刚刚"
            s < 3600 -> "${s / 60} 分钟前"
            s < 86_400 -> "${s / 3600} 小时前"
            else -> "${s / 86_400} 天前"
        }
    }

    private val dateTimeFormat = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)

    /** A record time as "2024-05-01 14:30" in [zone] (the phone's own by default). */
    fun dateTime(ms: Long, zone: ZoneId = ZoneId.systemDefault()): String =
        dateTimeFormat.format(Instant.ofEpochMilli(ms).atZone(zone))

    private fun oneDecimal(x: Double): String {
        val s = String.format(Locale.ROOT, "%.1f", x)
        return s.removeSuffix(".0")
    }
}
