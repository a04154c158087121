// swift-tools-version:5.9
// Plain Swift helpers of the iOS app (Foundation only: no UIKit, SwiftUI or AVFoundation), so they
// build and are tested on Linux too:
//   scripts/setup/swift-run.sh "$PWD" swift test --package-path "$PWD/ios/AppLogic" --scratch-path "$PWD/target/applogic-build"
import PackageDescription

let package = Package(
    name: "AppLogic",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [
        .library(name: "AppLogic", targets: ["AppLogic"]),
    ],
    targets: [
        .target(name: "AppLogic"),
        .testTarget(name: "AppLogicTests", dependencies: ["AppLogic"]),
    ]
)
