import AppLogic
import SwiftUI
import XunchaCore

/// 同步状态: what is waiting to go up, the last success and error, and 立即同步.
struct SyncView: View {
    @EnvironmentObject private var model: AppModel
    @State private var summary: SyncSummary?
    @State private var progress: String?
    @State private var running = false
    @State private var deviceId = ""
    @State private var error: String?

    var body: some View {
        NavigationStack {
            Form {
                if let summary {
                    Section {
                        Text(summary.headline).font(.headline).foregroundStyle(summary.state == .failing ? .red : .primary)
                        ForEach(summary.lines, id: \.self) { Text($0) }
                    }
                    if summary.state == .notEnrolled { EnrollSection() }
                }
                Section {
                    if let progress { Text(progress) }
                    Button(running ? "正在同步…" : "立即同步") { Task { await syncNow() } }
                        .disabled(running || summary?.state == .notEnrolled)
                    ErrorLine(message: error)
                }
                Section { Text("本机编号 \(deviceId)").font(.caption) }
            }
            .navigationTitle("同步状态")
            .task {
                // Re-read core's status every 30 s while the screen is shown.
                while !Task.isCancelled {
                    await refresh()
                    try? await Task.sleep(nanoseconds: 30_000_000_000)
                }
            }
        }
    }

    private func refresh() async {
        switch await model.syncFacts() {
        case .success(let facts):
            summary = SyncText.summary(facts, now: Int64(Date().timeIntervalSince1970 * 1000))
        case .failure(let e): error = e.userMessage
        }
        if case .success(let id) = await model.call({ $0.identity().deviceId }) { deviceId = id }
    }

    private func syncNow() async {
        running = true
        defer { running = false }
        let handler = SyncProgressHandler { phase, done, total in
            let line = SyncText.progress(phase: phase, done: done, total: total)
            Task { @MainActor in progress = line }
        }
        switch await model.sync(progress: handler) {
        case .success: error = nil; progress = nil
        case .failure(let e): error = e.userMessage
        }
        await refresh()
    }
}
