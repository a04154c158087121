package cn.xuncha.app.logic

/**
 * Chinese labels for core's enums, keyed by the enum constant's name as uniffi generates it
 * (Kotlin: `Shift.DAY.name` == "DAY"; Swift uses the same table through its own copy). An
 * unknown name is shown as it is, so a newer core never crashes an older screen.
 */
object Labels {
    private val shift = mapOf("DAY" to "日查", "NIGHT" to "夜查")
    private val mode = mapOf("JOINT" to "联检", "SPOT" to "抽检")
    private val approach = mapOf("OPEN" to "明查", "UNDERCOVER" to "暗访")
    private val conclusion = mapOf("NO_PROBLEM" to "无问题", "SUSPECTED" to "疑似", "CONFIRMED" to "确认违规")
    private val caseState = mapOf(
        "WARNING" to "预警提示",
        "RECEIVED" to "投诉接收",
        "VERIFYING" to "核查",
        "INVESTIGATING" to "联合取证查处",
        "DECIDED" to "已处理",
        "FEEDBACK_GIVEN" to "结果已反馈",
        "CLOSED" to "已办结",
    )
    private val caseSource = mapOf(
        "WARNING" to "预警",
        "HOTLINE" to "12345 热线",
        "MAILBOX" to "信箱",
        "TIP" to "随手拍",
        "INSPECTION" to "检查发现",
    )
    private val patrolResult = mapOf("NOTHING_FOUND" to "未发现问题", "LEAD_RAISED" to "发现线索", "ISSUE_FOUND" to "发现问题")
    private val answer = mapOf("YES" to "是（发现问题）", "NO" to "否", "NOT_APPLICABLE" to "不适用")
    private val phase = mapOf(
        "PUSH_RECORDS" to "上传记录",
        "UPLOAD_BYTES" to "上传证据",
        "PULL_RECORDS" to "下载更新",
    )

    fun shift(name: String) = shift[name] ?: name
    fun mode(name: String) = mode[name] ?: name
    fun approach(name: String) = approach[name] ?: name
    fun conclusion(name: String?) = if (name == null) "未结论" else conclusion[name] ?: name
    fun caseState(name: String) = caseState[name] ?: name
    fun caseSource(name: String) = caseSource[name] ?: name
    fun patrolResult(name: String?) = if (name == null) "进行中" else patrolResult[name] ?: name
    fun answer(name: String) = answer[name] ?: name
    fun syncPhase(name: String) = phase[name] ?: name

    /** "已答 5 / 13" for the checklist header. */
    fun answered(answered: Int, total: Int) = "已答 $answered / $total"
}
