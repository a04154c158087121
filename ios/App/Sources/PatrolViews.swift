import AppLogic
import SwiftUI
import XunchaCore

/// 巡查: this officer's patrols, and starting one in a grid.
struct PatrolsView: View {
    @EnvironmentObject private var model: AppModel
    @State private var rows: [PatrolSummary] = []
    @State private var grids: [Jurisdiction] = []
    @State private var gridId: String?
    @State private var path: [String] = []
    @State private var error: String?

    var body: some View {
        NavigationStack(path: $path) {
            List {
                Section {
                    Picker("网格", selection: $gridId) {
                        Text("请选择").tag(String?.none)
                        ForEach(grids, id: \.id) { Text($0.name).tag(Optional($0.id)) }
                    }
                    Button("开始巡查") { Task { await start() } }.disabled(gridId == nil)
                    ErrorLine(message: error)
                }
                Section("巡查记录") {
                    ForEach(rows, id: \.id) { row in
                        NavigationLink(value: row.id) {
                            VStack(alignment: .leading) {
                                Text("\(Units.dateTime(row.startedAtMs)) · \(Labels.patrolResult(row.result))")
                                Text("\(row.gridId) · 定位点 \(row.points) 个").font(.caption).foregroundStyle(.secondary)
                            }
                        }
                    }
                }
            }
            .navigationTitle("巡查")
            .navigationDestination(for: String.self) { PatrolView(patrolId: $0) }
            .task { await reload() }
            .refreshable { await reload() }
        }
    }

    private func reload() async {
        guard let root = model.jurisdictionRoot else { return }
        if case .success(let g) = await model.call({ try $0.jurisdictionSubtree(id: root).filter { $0.level == .grid } }) {
            grids = g
            if gridId == nil { gridId = g.first?.id }
        }
        switch await model.listPatrols(root) {
        case .success(let r): rows = r
        case .failure(let e): error = e.userMessage
        }
    }

    private func start() async {
        guard let gridId else { return }
        switch await model.call({ try $0.startPatrol(gridId: gridId) }) {
        case .success(let id): path.append(id)
        case .failure(let e): error = e.userMessage
        }
    }
}

/// One patrol: GPS points along the route, then the result ("nothing found" counts).
struct PatrolView: View {
    let patrolId: String
    @EnvironmentObject private var model: AppModel
    @StateObject private var location = LocationProvider()
    @State private var patrol: PatrolLog?
    @State private var result = PatrolResult.nothingFound
    @State private var note = ""
    @State private var status: String?
    @State private var error: String?

    var body: some View {
        Form {
            if let patrol {
                Text("定位点 \(patrol.points.count) 个 · \(Labels.patrolResult(patrol.result))")
                if let status { Text(status) }
                ErrorLine(message: error)
                if patrol.endedAtMs == nil {
                    Button("记录当前位置") { Task { await addPoint() } }
                    Picker("结果", selection: $result) {
                        ForEach([PatrolResult.nothingFound, .leadRaised, .issueFound], id: \.self) {
                            Text(Labels.patrolResult($0)).tag($0)
                        }
                    }
                    TextField("情况说明", text: $note)
                    Button("结束巡查") {
                        let (id, result, note) = (patrolId, result, note)
                        Task {
                            if case .failure(let e) = await model.call({ try $0.finishPatrol(id: id, result: result, note: note) }) {
                                error = e.userMessage
                            }
                            await reload()
                        }
                    }
                } else {
                    Text("说明：\(patrol.note.isEmpty ? "无" : patrol.note)")
                }
            } else {
                ProgressView()
            }
        }
        .navigationTitle(patrol.map { "巡查 · \(Units.dateTime($0.startedAtMs))" } ?? "巡查")
        .task {
            location.requestPermission()
            await reload()
        }
    }

    private func reload() async {
        let id = patrolId
        switch await model.call({ try $0.patrol(id: id) }) {
        case .success(let p): patrol = p
        case .failure(let e): error = e.userMessage
        }
    }

    private func addPoint() async {
        guard let fix = await location.currentFix() else { return error = "未取得定位，请到开阔处再试" }
        status = LocationText.line(accuracyM: fix.accuracyM, limitM: 50, mock: fix.mock).text
        let id = patrolId
        let point = PatrolPoint(lat: fix.lat, lon: fix.lon, accuracyM: fix.accuracyM, atMs: fix.fixTimeMs)
        if case .failure(let e) = await model.call({ try $0.addPatrolPoint(id: id, point: point) }) {
            error = e.userMessage
        } else {
            error = nil
        }
        await reload()
    }
}
