import CoreLocation
import Foundation
import XunchaCore

/// One fresh CoreLocation fix at a time, handed to core as it came: core judges the accuracy
/// against the checklist's rule and flags simulated locations; nothing is filtered here.
@MainActor
final class LocationProvider: NSObject, ObservableObject, CLLocationManagerDelegate {
    @Published private(set) var last: CLLocation?
    private let manager = CLLocationManager()
    private var waiting: [UUID: CheckedContinuation<CLLocation?, Never>] = [:]

    override init() {
        super.init()
        manager.delegate = self
        manager.desiredAccuracy = kCLLocationAccuracyBest
    }

    func requestPermission() {
        if manager.authorizationStatus == .notDetermined { manager.requestWhenInUseAuthorization() }
    }

    /// A current location, or the last one when none came within `timeout` seconds (basements).
    func currentLocation(timeout: TimeInterval = 10) async -> CLLocation? {
        let id = UUID()
        let location: CLLocation? = await withCheckedContinuation { continuation in
            waiting[id] = continuation
            manager.requestLocation()
            Task { @MainActor in
                try? await Task.sleep(nanoseconds: UInt64(timeout * 1_000_000_000))
                self.finish(id, with: nil)
            }
        }
        return location ?? last
    }

    /// `currentLocation` in core's terms.
    func currentFix(timeout: TimeInterval = 10) async -> GpsFix? {
        await currentLocation(timeout: timeout)?.gpsFix
    }

    private func finish(_ id: UUID, with location: CLLocation?) {
        waiting.removeValue(forKey: id)?.resume(returning: location)
    }

    nonisolated func locationManager(_ manager: CLLocationManager, didUpdateLocations locations: [CLLocation]) {
        guard let location = locations.last else { return }
        Task { @MainActor in
            self.last = location
            for id in Array(self.waiting.keys) { self.finish(id, with: location) }
        }
    }

    nonisolated func locationManager(_ manager: CLLocationManager, didFailWithError error: Error) {
        Task { @MainActor in
            for id in Array(self.waiting.keys) { self.finish(id, with: nil) }
        }
    }
}

extension CLLocation {
    /// The fix in core's terms; nil when CoreLocation marks it invalid (negative accuracy).
    var gpsFix: GpsFix? {
        guard horizontalAccuracy > 0 else { return nil }
        let simulated: Bool
        if #available(iOS 15.0, *) {
            simulated = sourceInformation?.isSimulatedBySoftware ?? false
        } else {
            simulated = false
        }
        return GpsFix(
            lat: coordinate.latitude,
            lon: coordinate.longitude,
            accuracyM: horizontalAccuracy,
            altitudeM: verticalAccuracy > 0 ? altitude : nil,
            provider: .fused,  // CoreLocation fuses GNSS, Wi-Fi and cell and does not say which
            mock: simulated,
            fixTimeMs: Int64(timestamp.timeIntervalSince1970 * 1000),
            deviceTimeMs: Int64(Date().timeIntervalSince1970 * 1000))
    }
}
