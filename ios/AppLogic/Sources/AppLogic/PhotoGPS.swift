import Foundation

/// The EXIF GPS block written into a photo at capture (AVCapturePhotoFileDataRepresentationCustomizer
/// → `replacementMetadata`), so that core can compare the photo's own position with the fix and
/// does not flag it as "no EXIF position". Keys are ImageIO's (`kCGImagePropertyGPS*` values),
/// spelled out so this builds without ImageIO and is tested on Linux.
public enum PhotoGPS {
    /// `kCGImagePropertyGPSDictionary`: the key of this block in the photo's metadata.
    public static let dictionaryKey = "{GPS}"

    public static func exif(
        latitude: Double, longitude: Double, altitudeM: Double?, accuracyM: Double, time: Date
    ) -> [String: Any] {
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let c = utc.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: time)
        let seconds = Double(c.second ?? 0) + Double(c.nanosecond ?? 0) / 1e9
        var gps: [String: Any] = [
            "Latitude": abs(latitude),
            "LatitudeRef": latitude >= 0 ? "N" : "S",
            "Longitude": abs(longitude),
            "LongitudeRef": longitude >= 0 ? "E" : "W",
            "HPositioningError": accuracyM,
            "DateStamp": String(format: "%04d:%02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0),
            "TimeStamp": String(format: "%02d:%02d:%05.2f", c.hour ?? 0, c.minute ?? 0, seconds),
        ]
        if let altitudeM {
            gps["Altitude"] = abs(altitudeM)
            gps["AltitudeRef"] = altitudeM >= 0 ? 0 : 1
        }
        return gps
    }
}
