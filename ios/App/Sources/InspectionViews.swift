import AppLogic
import CoreLocation
import SwiftUI
import XunchaCore

/// 我的检查: the inspections on this phone, newest first.
struct InspectionsView: View {
    @EnvironmentObject private var model: AppModel
    @State private var rows: [InspectionSummary] = []
    @State private var error: String?
    @State private var starting = false
    @State private var path: [String] = []

    var body: some View {
        NavigationStack(path: $path) {
            List {
                ErrorLine(message: error)
                if rows.isEmpty { Text("还没有检查记录").foregroundStyle(.secondary) }
                ForEach(rows, id: \.id) { row in
                    NavigationLink(value: row.id) {
                        VStack(alignment: .leading, spacing: 4) {
                            Text(row.departments.joined(separator: "、")).font(.caption).foregroundStyle(.secondary)
                            Text("\(Labels.shift(row.shift)) · \(Labels.mode(row.mode)) · \(Units.dateTime(row.startedAtMs))")
                            Text(
                                "已答 \(row.answered) 项 · 发现问题 \(row.violations) 项 · \(Labels.conclusion(row.conclusion))"
                                    + (row.hasConflicts ? " · 有待确认的冲突" : "")
                            ).font(.subheadline).foregroundStyle(.secondary)
                        }
                    }
                }
            }
            .navigationTitle("我的检查")
            .navigationDestination(for: String.self) { ChecklistView(inspectionId: $0) }
            .toolbar { Button("开始检查") { starting = true } }
            .sheet(isPresented: $starting) {
                StartInspectionView { id in
                    starting = false
                    path.append(id)
                }
            }
            .task { await reload() }
            .refreshable { await reload() }
        }
    }

    private func reload() async {
        switch await model.call({ try $0.listInspections(filter: InspectionFilter(), limit: 100, offset: 0) }) {
        case .success(let r): rows = r; error = nil
        case .failure(let e): error = e.userMessage
        }
    }
}

/// 开始检查: template, jurisdiction, optional place, and the kind of check.
struct StartInspectionView: View {
    let onStarted: (String) -> Void
    @EnvironmentObject private var model: AppModel
    @State private var templates: [ChecklistTemplate] = []
    @State private var nodes: [Jurisdiction] = []
    @State private var places: [Place] = []
    @State private var templateId: String?
    @State private var nodeId: String?
    @State private var placeId: String?
    @State private var shift = Shift.day
    @State private var mode = Mode.joint
    @State private var approach = Approach.open
    @State private var error: String?

    var body: some View {
        NavigationStack {
            Form {
                Picker("检查清单", selection: $templateId) {
                    ForEach(templates, id: \.id) { Text("\($0.title)（第 \($0.version) 版）").tag(Optional($0.id)) }
                }
                Picker("属地", selection: $nodeId) {
                    Text("请选择").tag(String?.none)
                    ForEach(nodes, id: \.id) { Text($0.name).tag(Optional($0.id)) }
                }
                Picker("场所（可选）", selection: $placeId) {
                    Text("不指定").tag(String?.none)
                    ForEach(places, id: \.id) { Text("\($0.name) · \($0.address)").tag(Optional($0.id)) }
                }
                Picker("日查/夜查", selection: $shift) {
                    ForEach([Shift.day, .night], id: \.self) { Text(Labels.shift($0)).tag($0) }
                }.pickerStyle(.segmented)
                Picker("联检/抽检", selection: $mode) {
                    ForEach([Mode.joint, .spot], id: \.self) { Text(Labels.mode($0)).tag($0) }
                }.pickerStyle(.segmented)
                Picker("明查/暗访", selection: $approach) {
                    ForEach([Approach.open, .undercover], id: \.self) { Text(Labels.approach($0)).tag($0) }
                }.pickerStyle(.segmented)
                Button("开始") { Task { await start() } }.disabled(templateId == nil || nodeId == nil)
                ErrorLine(message: error)
            }
            .navigationTitle("开始检查")
            .task { await load() }
            .onChange(of: nodeId) { id in Task { await loadPlaces(id) } }
        }
    }

    private func load() async {
        let ids = model.templateIds
        let root = model.jurisdictionRoot
        switch await model.call({ store in
            (try ids.map { try store.latestTemplate(id: $0) }, try root.map { try store.jurisdictionSubtree(id: $0) } ?? [])
        }) {
        case .success(let (t, j)):
            templates = t
            nodes = j
            templateId = t.first?.id
        case .failure(let e): error = e.userMessage
        }
    }

    private func loadPlaces(_ id: String?) async {
        placeId = nil
        guard let id else { return places = [] }
        places = (try? await model.call({ try $0.listPlaces(jurisdictionId: id) }).get()) ?? []
    }

    private func start() async {
        guard let template = templates.first(where: { $0.id == templateId }), let nodeId else { return }
        let (shift, mode, approach, placeId) = (shift, mode, approach, placeId)
        switch await model.call({
            try Inspections(store: $0).start(
                template: template, jurisdictionId: nodeId, shift: shift, mode: mode, approach: approach, placeId: placeId)
        }) {
        case .success(let id): onStarted(id)
        case .failure(let e): error = e.userMessage
        }
    }
}

/// Answering one inspection's checklist: answers and notes, photos with the location at
/// capture, findings, the conclusion. Core checks everything and its refusals are shown as-is.
struct ChecklistView: View {
    let inspectionId: String
    @EnvironmentObject private var model: AppModel
    @StateObject private var location = LocationProvider()
    @State private var inspection: Inspection?
    @State private var items: [ChecklistItem] = []
    @State private var limitM = 50.0
    @State private var fix: GpsFix?
    @State private var photoFor: PhotoTarget?
    @State private var finding = ""
    @State private var error: String?

    struct PhotoTarget: Identifiable {
        let itemId: String?
        var id: String { itemId ?? "" }
    }

    var body: some View {
        List {
            if let inspection {
                Section {
                    let answered = Set(inspection.answers.map(\.itemId))
                    Text(Labels.answered(items.filter { answered.contains($0.id) }.count, of: items.count))
                    let line = LocationText.line(accuracyM: fix?.accuracyM, limitM: limitM, mock: fix?.mock ?? false)
                    HStack {
                        Text(line.text).foregroundStyle(line.warning ? .red : .primary)
                        Spacer()
                        Button("刷新定位") { Task { await refreshFix() } }.buttonStyle(.borderless)
                    }
                    ErrorLine(message: error)
                }
                ForEach(items, id: \.id) { item in
                    ItemRow(
                        item: item,
                        answer: inspection.answers.first { $0.itemId == item.id },
                        photos: inspection.evidence.filter { $0.itemId == item.id }.count,
                        onAnswer: { value, note in
                            act { try $0.answerItem(id: inspectionId, itemId: item.id, value: value, note: note) }
                        },
                        onPhoto: { photoFor = PhotoTarget(itemId: item.id) })
                }
                Section("检查发现") {
                    ForEach(inspection.findings, id: \.id) { Text($0.text) }
                    TextField("新的发现", text: $finding)
                    Button("添加发现") {
                        let text = finding.trimmed
                        finding = ""
                        act { _ = try $0.addFinding(id: inspectionId, text: text) }
                    }.disabled(finding.trimmed.isEmpty)
                    Button("现场拍照") { photoFor = PhotoTarget(itemId: nil) }
                }
                Section("结论：\(Labels.conclusion(inspection.conclusion))") {
                    ForEach([Conclusion.noProblem, .suspected, .confirmed], id: \.self) { c in
                        Button(Labels.conclusion(c)) {
                            act { try $0.concludeInspection(id: inspectionId, conclusion: c) }
                        }
                    }
                }
            } else {
                ProgressView()
            }
        }
        .navigationTitle("检查清单")
        .task {
            location.requestPermission()
            await reload()
            await refreshFix()
        }
        .fullScreenCover(item: $photoFor) { target in
            CameraScreen(
                freshFix: { await location.currentLocation(timeout: 5) },
                onPhoto: { jpeg, at in
                    fix = at?.gpsFix ?? fix
                    _ = try await model.addPhoto(jpeg: jpeg, inspectionId: inspectionId, itemId: target.itemId, fix: at?.gpsFix).get()
                    await reload()
                })
        }
    }

    private func refreshFix() async {
        if let f = await location.currentFix() { fix = f }
    }

    private func reload() async {
        let id = inspectionId
        let loaded = await model.call { store in
            let i = try store.inspection(id: id)
            return (i, try store.template(id: i.templateId, version: i.templateVersion).gpsAccuracyLimitM)
        }
        switch loaded {
        case .success(let (i, limit)):
            inspection = i
            limitM = limit
        case .failure(let e): error = e.userMessage
        }
        if case .success(let its) = await model.applicableItems(id) { items = its }
    }

    /// One core call, then the merged record (or core's refusal).
    private func act(_ body: @escaping @Sendable (XunchaStore) throws -> Void) {
        Task {
            switch await model.call(body) {
            case .success: error = nil
            case .failure(let e): error = e.userMessage
            }
            await reload()
        }
    }
}

private struct ItemRow: View {
    let item: ChecklistItem
    let answer: ItemAnswer?
    let photos: Int
    let onAnswer: (AnswerValue, String) -> Void
    let onPhoto: () -> Void
    @State private var note = ""
    @State private var typed = ""

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            Text("\(item.id)  \(item.text)")
            switch item.answerType {
            case .yesNo:
                HStack {
                    ForEach([AnswerValue.yes, .no, .notApplicable], id: \.self) { value in
                        Button(Labels.answer(value)) { onAnswer(value, note) }
                            .buttonStyle(.bordered)
                            .tint(answer?.value == value ? .accentColor : .gray)
                    }
                }
            case .count:
                HStack {
                    TextField("数量", text: $typed).keyboardType(.numberPad)
                    Button("保存") { if let n = UInt32(typed) { onAnswer(.count(n), note) } }.disabled(UInt32(typed) == nil)
                }
            case .text:
                HStack {
                    TextField("回答", text: $typed)
                    Button("保存") { onAnswer(.text(typed), note) }.disabled(typed.trimmed.isEmpty)
                }
            }
            TextField("备注", text: $note)
            HStack {
                Button("拍照取证", action: onPhoto).buttonStyle(.bordered)
                if photos > 0 { Text("已有照片 \(photos) 张").font(.caption) }
                if let answer, note != answer.note {
                    Button("保存备注") { onAnswer(answer.value, note) }.buttonStyle(.borderless)
                }
            }
        }
        .buttonStyle(.borderless)
        .onAppear(perform: fill)
        .onChange(of: answer) { _ in fill() }
    }

    private func fill() {
        note = answer?.note ?? ""
        switch answer?.value {
        case .count(let n)?: typed = String(n)
        case .text(let t)?: typed = t
        default: typed = ""
        }
    }
}
