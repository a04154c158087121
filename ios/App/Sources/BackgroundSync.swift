import AppLogic
import BackgroundTasks
import Foundation
import XunchaCore

/// Sync in the background: a BGProcessingTask that requires network, so work done offline goes
/// up by itself once signal returns. iOS decides the exact time; each run schedules the next.
/// The identifier is listed in Info.plist (BGTaskSchedulerPermittedIdentifiers).
enum BackgroundSync {
    static let identifier = "cn.xuncha.app.sync"

    static func register() {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: identifier, using: nil) { task in
            guard let task = task as? BGProcessingTask else { return task.setTaskCompleted(success: false) }
            handle(task)
        }
    }

    /// Asks for a run no earlier than `after` seconds from now, when a network is connected.
    static func schedule(after: TimeInterval = 15 * 60) {
        let request = BGProcessingTaskRequest(identifier: identifier)
        request.requiresNetworkConnectivity = true
        request.requiresExternalPower = false
        request.earliestBeginDate = Date(timeIntervalSinceNow: after)
        do {
            try BGTaskScheduler.shared.submit(request)
        } catch {
            // Simulator, or background refresh turned off by the user: the sync screen still works.
            print("BackgroundSync: not scheduled: \(error)")
        }
    }

    private static func handle(_ task: BGProcessingTask) {
        schedule()
        let work = Task { @MainActor in
            let model = AppModel.shared
            await model.start()
            let result = await model.sync(progress: SyncProgressHandler { _, _, _ in })
            switch result {
            case .success:
                task.setTaskCompleted(success: true)
            case .failure(let error):
                // A link failure is retried sooner; anything else waits for the officer.
                if SyncFailure.decide(errorKind: error.apiErrorKind) == .retry { schedule(after: 5 * 60) }
                task.setTaskCompleted(success: false)
            }
        }
        // Core's sync can stop anywhere without losing data (each step is acknowledged before it
        // is forgotten); when iOS takes the time back the process is simply suspended.
        task.expirationHandler = { work.cancel() }
    }
}
