import Foundation

/// Numbers as the screens show them, in Chinese. The same rules as the Android app's
/// `cn.xuncha.app.logic.Units` (android/shared), so both apps read alike.
public enum Units {
    /// "0 B", "512 B", "1.5 KB", "3.2 MB", "1.1 GB".
    public static func bytes(_ n: UInt64) -> String {
        let kb = 1024.0, mb = kb * 1024, gb = mb * 1024
        let x = Double(n)
        switch x {
        case ..<kb: return "\(n) B"
        case ..<mb: return "\(oneDecimal(x / kb)) KB"
        case ..<gb: return "\(oneDecimal(x / mb)) MB"
        default: return "\(oneDecimal(x / gb)) GB"
        }
    }

    /// Whole metres, never "0" ("8 米"); kilometres from 1 km ("1.2 公里").
    public static func metres(_ m: Double) -> String {
        precondition(m.isFinite && m >= 0, "distance must be finite and not negative")
        return m < 1000 ? "\(max(1, Int(m.rounded()))) 米" : "\(oneDecimal(m / 1000)) 公里"
    }

    /// "刚刚", "5 分钟前", "3 小时前", "2 天前"; "从未" without a time. A time in the future reads "刚刚".
    public static func ago(_ thenMs: Int64?, now nowMs: Int64) -> String {
        guard let thenMs else { return "从未" }
        let s = (nowMs - thenMs) / 1000
        switch s {
        case ..<60: return "刚刚"
        case ..<3600: return "\(s / 60) 分钟前"
        case ..<86_400: return "\(s / 3600) 小时前"
        default: return "\(s / 86_400) 天前"
        }
    }

    /// A record time as "2024-05-01 14:30" in `timeZone` (the phone's own by default).
    public static func dateTime(_ ms: Int64, timeZone: TimeZone = .current) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute], from: Date(timeIntervalSince1970: Double(ms) / 1000))
        return String(
            format: "%04d-%02d-%02d %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    static func oneDecimal(_ x: Double) -> String {
        let s = String(format: "%.1f", x)
        return s.hasSuffix(".0") ? String(s.dropLast(2)) : s
    }
}
