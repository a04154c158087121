/// Chinese labels for core's enums, keyed by the Swift case name uniffi generates
/// (`"\(Shift.night)"` is "night"). An unknown name is shown as it is, so a newer core never
/// crashes an older screen. The Android app has the same table keyed by Kotlin names.
public enum Labels {
    static let shiftNames = ["day": "日查", "night": "夜查"]
    static let modeNames = ["joint": "联检", "spot": "抽检"]
    static let approachNames = ["open": "明查", "undercover": "暗访"]
    static let conclusionNames = ["noProblem": "无问题", "suspected": "疑似", "confirmed": "确认违规"]
    static let caseStateNames = [
        "warning": "预警提示", "received": "投诉接收", "verifying": "核查", "investigating": "联合取证查处",
        "decided": "已处理", "feedbackGiven": "结果已反馈", "closed": "已办结",
    ]
    static let caseSourceNames = [
        "warning": "预警", "hotline": "12345 热线", "mailbox": "信箱", "tip": "随手拍", "inspection": "检查发现",
    ]
    static let patrolResultNames = ["nothingFound": "未发现问题", "leadRaised": "发现线索", "issueFound": "发现问题"]
    static let answerNames = ["yes": "是（发现问题）", "no": "否", "notApplicable": "不适用"]
    static let phaseNames = ["pushRecords": "上传记录", "uploadBytes": "上传证据", "pullRecords": "下载更新"]

    public static func shift<T>(_ v: T) -> String { label(shiftNames, v) }
    public static func mode<T>(_ v: T) -> String { label(modeNames, v) }
    public static func approach<T>(_ v: T) -> String { label(approachNames, v) }
    public static func conclusion<T>(_ v: T?) -> String { v.map { label(conclusionNames, $0) } ?? "未结论" }
    public static func caseState<T>(_ v: T) -> String { label(caseStateNames, v) }
    public static func caseSource<T>(_ v: T) -> String { label(caseSourceNames, v) }
    public static func patrolResult<T>(_ v: T?) -> String { v.map { label(patrolResultNames, $0) } ?? "进行中" }
    public static func answer<T>(_ v: T) -> String { label(answerNames, v) }
    public static func syncPhase<T>(_ v: T) -> String { label(phaseNames, v) }
    public static func answered(_ answered: Int, of total: Int) -> String { "已答 \(answered) / \(total)" }

    /// Cases without payloads print as their name; that name is the key.
    static func label<T>(_ table: [String: String], _ value: T) -> String {
        let name = "\(value)"
        return table[name] ?? name
    }
}
