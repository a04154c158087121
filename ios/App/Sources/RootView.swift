import AppLogic
import SwiftUI
import XunchaCore

/// Sign-in first (an officer must be on every edit), then the four tabs.
struct RootView: View {
    @EnvironmentObject private var model: AppModel

    var body: some View {
        if let error = model.openError {
            Text("无法打开本机数据：\(error)").foregroundStyle(.red).padding()
        } else if let signedIn = model.signedIn {
            if signedIn {
                TabView {
                    InspectionsView().tabItem { Label("检查", systemImage: "checklist") }
                    PatrolsView().tabItem { Label("巡查", systemImage: "figure.walk") }
                    CasesView().tabItem { Label("案件", systemImage: "folder") }
                    SyncView().tabItem { Label("同步", systemImage: "arrow.triangle.2.circlepath") }
                }
            } else {
                SignInView()
            }
        } else {
            ProgressView()
        }
    }
}

/// Core's refusal or a failure, in red, when there is one.
struct ErrorLine: View {
    let message: String?
    var body: some View {
        if let message { Text(message).foregroundStyle(.red).font(.callout) }
    }
}

struct SignInView: View {
    @EnvironmentObject private var model: AppModel
    @State private var name = ""
    @State private var department = ""
    @State private var certNo = ""
    @State private var error: String?

    var body: some View {
        NavigationStack {
            Form {
                EnrollSection()
                Section("暂不联网，先在本机登录") {
                    TextField("姓名", text: $name)
                    TextField("单位", text: $department)
                    TextField("执法证号（网格员可不填）", text: $certNo)
                    Button("登录") {
                        let officer = Officer(
                            name: name.trimmed, department: department.trimmed, certNo: certNo.trimmed)
                        Task {
                            switch await model.call({ try $0.signIn(officer: officer) }) {
                            case .success: model.markSignedIn()
                            case .failure(let e): error = e.userMessage
                            }
                        }
                    }
                    .disabled(name.trimmed.isEmpty || department.trimmed.isEmpty)
                    ErrorLine(message: error)
                }
            }
            .navigationTitle("登录")
        }
    }
}

/// Server address and the administrator's one-time code (also on the sync screen).
struct EnrollSection: View {
    @EnvironmentObject private var model: AppModel
    @State private var server = "https://"
    @State private var code = ""
    @State private var busy = false
    @State private var error: String?

    var body: some View {
        Section("登记本机") {
            TextField("服务器地址", text: $server).keyboardType(.URL).textInputAutocapitalization(.never)
            TextField("登记码", text: $code).textInputAutocapitalization(.never)
            Button(busy ? "正在登记…" : "登记并登录") {
                busy = true
                Task {
                    if case .failure(let e) = await model.enroll(server: server.trimmed, code: code.trimmed) {
                        error = e.userMessage
                    }
                    busy = false
                }
            }
            .disabled(busy || code.trimmed.isEmpty)
            ErrorLine(message: error)
        }
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
