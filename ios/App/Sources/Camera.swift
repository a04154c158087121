import AVFoundation
import AppLogic
import CoreLocation
import SwiftUI
import UIKit

/// The back camera with an AVCapturePhotoOutput. Photos are taken as JPEG (core's `add_photo`
/// takes JPEG; the iPhone default would be HEIC) and handed over as `fileDataRepresentation`
/// bytes, untouched but for the EXIF GPS block of the fix at capture (core compares the two).
final class CameraController: NSObject, ObservableObject, @unchecked Sendable {
    let session = AVCaptureSession()
    private let output = AVCapturePhotoOutput()
    private let queue = DispatchQueue(label: "cn.xuncha.app.camera")
    private var inFlight: [Int64: PhotoDelegate] = [:]  // on `queue`

    enum CameraError: LocalizedError {
        case unavailable, noData
        var errorDescription: String? {
            switch self {
            case .unavailable: return "无法使用相机"
            case .noData: return "照片没有数据"
            }
        }
    }

    func start() {
        queue.async { [self] in
            if session.inputs.isEmpty {
                session.beginConfiguration()
                session.sessionPreset = .photo
                if let device = AVCaptureDevice.default(.builtInWideAngleCamera, for: .video, position: .back),
                    let input = try? AVCaptureDeviceInput(device: device), session.canAddInput(input),
                    session.canAddOutput(output)
                {
                    session.addInput(input)
                    session.addOutput(output)
                }
                session.commitConfiguration()
            }
            if !session.isRunning { session.startRunning() }
        }
    }

    func stop() {
        queue.async { [self] in if session.isRunning { session.stopRunning() } }
    }

    /// Takes one JPEG; `location` (the fix at capture) goes into its EXIF GPS block.
    func takeJPEG(location: CLLocation?) async throws -> Data {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [self] in
                guard !session.inputs.isEmpty, output.availablePhotoCodecTypes.contains(.jpeg) else {
                    return continuation.resume(throwing: CameraError.unavailable)
                }
                let settings = AVCapturePhotoSettings(format: [AVVideoCodecKey: AVVideoCodecType.jpeg])
                let gps = location.map {
                    PhotoGPS.exif(
                        latitude: $0.coordinate.latitude, longitude: $0.coordinate.longitude,
                        altitudeM: $0.verticalAccuracy > 0 ? $0.altitude : nil, accuracyM: $0.horizontalAccuracy,
                        time: $0.timestamp)
                }
                let delegate = PhotoDelegate(gps: gps) { [self] result in
                    queue.async { self.inFlight[settings.uniqueID] = nil }
                    continuation.resume(with: result)
                }
                inFlight[settings.uniqueID] = delegate  // the output holds its delegate weakly
                output.capturePhoto(with: settings, delegate: delegate)
            }
        }
    }
}

private final class PhotoDelegate: NSObject, AVCapturePhotoCaptureDelegate, AVCapturePhotoFileDataRepresentationCustomizer {
    private let gps: [String: Any]?
    private let done: (Result<Data, Error>) -> Void

    init(gps: [String: Any]?, done: @escaping (Result<Data, Error>) -> Void) {
        self.gps = gps
        self.done = done
    }

    func photoOutput(_ output: AVCapturePhotoOutput, didFinishProcessingPhoto photo: AVCapturePhoto, error: Error?) {
        if let error { return done(.failure(error)) }
        guard let data = photo.fileDataRepresentation(with: self) else {
            return done(.failure(CameraController.CameraError.noData))
        }
        done(.success(data))
    }

    func replacementMetadata(for photo: AVCapturePhoto) -> [String: Any]? {
        guard let gps else { return nil }
        var metadata = photo.metadata
        metadata[PhotoGPS.dictionaryKey] = gps
        return metadata
    }
}

/// The live viewfinder.
struct CameraPreview: UIViewRepresentable {
    let session: AVCaptureSession

    final class PreviewView: UIView {
        override class var layerClass: AnyClass { AVCaptureVideoPreviewLayer.self }
        var previewLayer: AVCaptureVideoPreviewLayer { layer as! AVCaptureVideoPreviewLayer }
    }

    func makeUIView(context: Context) -> PreviewView {
        let view = PreviewView()
        view.previewLayer.session = session
        view.previewLayer.videoGravity = .resizeAspectFill
        return view
    }

    func updateUIView(_ uiView: PreviewView, context: Context) {}
}

/// Full-screen camera with one shutter: asks `freshFix` for the location at the moment of
/// capture, takes the JPEG, and hands both to `onPhoto` (which gives them to core).
struct CameraScreen: View {
    let freshFix: () async -> CLLocation?
    let onPhoto: (Data, CLLocation?) async throws -> Void
    @Environment(\.dismiss) private var dismiss
    @StateObject private var camera = CameraController()
    @State private var busy = false
    @State private var error: String?

    var body: some View {
        ZStack(alignment: .bottom) {
            CameraPreview(session: camera.session).ignoresSafeArea()
            VStack(spacing: 12) {
                if let error { Text(error).foregroundStyle(.red).padding(8).background(.thinMaterial) }
                HStack(spacing: 40) {
                    Button("关闭") { dismiss() }.disabled(busy)
                    Button(busy ? "正在保存…" : "拍照") {
                        busy = true
                        Task {
                            defer { busy = false }
                            do {
                                let location = await freshFix()
                                try await onPhoto(try await camera.takeJPEG(location: location), location)
                                dismiss()
                            } catch {
                                self.error = error.userMessage
                            }
                        }
                    }
                    .buttonStyle(.borderedProminent)
                    .disabled(busy)
                }
            }
            .padding(.bottom, 32)
        }
        .onAppear { camera.start() }
        .onDisappear { camera.stop() }
    }
}
