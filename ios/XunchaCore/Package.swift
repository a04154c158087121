// swift-tools-version:5.9
// The Swift face of the xuncha core: the uniffi-generated bindings (target XunchaFFI) and a thin
// wrapper (XunchaCore) that the iOS app imports.
//
// Sources/XunchaFFI/XunchaFFI.swift is a symlink into target/bindings/swift, which
// `scripts/gen-bindings` writes (generated, never committed, never edited). The C header and
// module map of the Rust library, and the library itself, are passed by absolute path when
// building, as `scripts/test` (swift_suite) does on Linux:
//   swift test -Xcc -fmodule-map-file=$ROOT/target/bindings/swift/xunchaFFI.modulemap \
//              -Xlinker -L$ROOT/target/debug
import PackageDescription

let package = Package(
    name: "XunchaCore",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "XunchaCore", targets: ["XunchaCore"]),
    ],
    targets: [
        .target(
            name: "XunchaFFI",
            path: "Sources/XunchaFFI",
            linkerSettings: [.linkedLibrary("xuncha")]
        ),
        .target(name: "XunchaCore", dependencies: ["XunchaFFI"]),
        .testTarget(name: "XunchaCoreTests", dependencies: ["XunchaCore"]),
    ]
)
