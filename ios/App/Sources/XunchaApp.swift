import SwiftUI
import UIKit

/// The iOS shell of xuncha: screens, camera, location, background sync and the Keychain key
/// around the Rust core (module XunchaCore). All product rules are in core.
@main
struct XunchaApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var delegate
    @StateObject private var model = AppModel.shared
    @Environment(\.scenePhase) private var scenePhase

    var body: some Scene {
        WindowGroup {
            RootView()
                .environmentObject(model)
                .task { await model.start() }
        }
        .onChange(of: scenePhase) { phase in
            // Leaving the app: ask iOS for a background sync once a network is there.
            if phase == .background { BackgroundSync.schedule() }
        }
    }
}

final class AppDelegate: NSObject, UIApplicationDelegate {
    func application(
        _ application: UIApplication, didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil
    ) -> Bool {
        // BGTaskScheduler requires the handler before launch finishes.
        BackgroundSync.register()
        return true
    }
}
