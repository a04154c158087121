/// The location line under the checklist, and whether to draw it as a warning.
public struct LocationLine: Equatable, Sendable {
    public let text: String
    public let warning: Bool

    public init(text: String, warning: Bool) {
        self.text = text
        self.warning = warning
    }
}

public enum LocationText {
    /// The accuracy of the last fix against the template's rule: "定位精度 ±8 米",
    /// "定位精度 ±120 米（要求 50 米以内）", "未取得定位"; a simulated location is always a warning.
    /// Core flags the evidence the same way; this only tells the officer before the photo.
    public static func line(accuracyM: Double?, limitM: Double, mock: Bool) -> LocationLine {
        // CoreLocation reports a negative horizontalAccuracy for an invalid fix.
        guard let accuracyM, accuracyM.isFinite, accuracyM > 0 else {
            return LocationLine(text: "未取得定位", warning: true)
        }
        let poor = accuracyM > limitM
        var text = "定位精度 ±\(Units.metres(accuracyM))"
        if poor { text += "（要求 \(Units.metres(limitM))以内）" }
        if mock { text += " · 模拟位置" }
        return LocationLine(text: text, warning: poor || mock)
    }
}
