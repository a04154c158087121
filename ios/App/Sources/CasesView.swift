import AppLogic
import SwiftUI
import XunchaCore

/// 案件: leads and cases of this officer's jurisdiction, by state of the closed loop.
struct CasesView: View {
    @EnvironmentObject private var model: AppModel
    @State private var state: CaseState?
    @State private var rows: [CaseSummary] = []
    @State private var error: String?

    private let states: [CaseState] = [.warning, .received, .verifying, .investigating, .decided, .feedbackGiven, .closed]

    var body: some View {
        NavigationStack {
            List {
                Picker("状态", selection: $state) {
                    Text("全部").tag(CaseState?.none)
                    ForEach(states, id: \.self) { Text(Labels.caseState($0)).tag(Optional($0)) }
                }
                ErrorLine(message: error)
                if rows.isEmpty { Text("没有案件").foregroundStyle(.secondary) }
                ForEach(rows, id: \.id) { c in
                    VStack(alignment: .leading, spacing: 4) {
                        Text("\(Labels.caseSource(c.source)) · \(Labels.caseState(c.state))").font(.caption).foregroundStyle(.secondary)
                        Text(c.summary)
                        let details = [
                            c.department, c.deadlineMs.map { "期限 \(Units.dateTime($0))" }, c.hasConflicts ? "有待确认的冲突" : nil,
                        ].compactMap { $0 }
                        if !details.isEmpty { Text(details.joined(separator: " · ")).font(.caption) }
                    }
                }
            }
            .navigationTitle("案件")
            .task(id: state) { await reload() }
            .refreshable { await reload() }
        }
    }

    private func reload() async {
        guard let root = model.jurisdictionRoot else { return }
        let state = state
        switch await model.call({ try $0.listCases(jurisdictionId: root, state: state) }) {
        case .success(let r): rows = r; error = nil
        case .failure(let e): error = e.userMessage
        }
    }
}
