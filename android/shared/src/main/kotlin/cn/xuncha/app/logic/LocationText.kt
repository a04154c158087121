package cn.xuncha.app.logic

/** What the location line under the checklist says, and whether to draw it as a warning. */
data class LocationLine(val text: String, val warning: Boolean)

object LocationText {
    /**
     * The accuracy of the last fix against the checklist's rule ([limitM], from the template):
     * "定位精度 ±8 米", "定位精度 ±120 米（要求 50 米以内）", "未取得定位". A simulated location
     * is always a warning. Core flags the evidence the same way; this only tells the officer
     * before the photo is taken.
     */
    fun line(accuracyM: Double?, limitM: Double, mock: Boolean): LocationLine {
        if (accuracyM == null || !accuracyM.isFinite() || accuracyM <= 0) {
            return LocationLine("未取得定位", warning = true)
        }
        val poor = accuracyM > limitM
        val text = buildString {
            append("定位精度 ±").append(Units.metres(accuracyM))
            if (poor) append("（要求 ").append(Units.metres(limitM)).append("以内）")
            if (mock) append(" · 模拟位置")
        }
        return LocationLine(text, warning = poor || mock)
    }

    /**
     * The provider name core records ("gps", "network" or "fused") for what the platform
     * reported; the fused provider, or anything unknown, counts as "fused".
     */
    fun providerName(platformProvider: String?): String = when (platformProvider?.lowercase()) {
        "gps" -> "gps"
        "network" -> "network"
        else -> "fused"
    }
}
