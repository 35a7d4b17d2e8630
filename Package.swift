// swift-tools-version: 6.0
import PackageDescription

// Dependencies point one way: grace -> Runtime -> GraceDSL -> CLibYAML.
// GraceDSL must never depend on SwiftNIO so that its tests stay fast.
let package = Package(
    name: "Grace",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "grace", targets: ["grace"]),
        .library(name: "GraceDSL", targets: ["GraceDSL"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .target(
            name: "GraceDSL",
            dependencies: [
                "CLibYAML",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "Runtime",
            dependencies: ["GraceDSL"]
        ),
        .executableTarget(
            name: "grace",
            dependencies: [
                "GraceDSL",
                "Runtime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "grace-demo"),
        .testTarget(
            name: "GraceDSLTests",
            dependencies: ["GraceDSL"]
        ),
        // End-to-end drills: run the built `grace` binary as a user would. Needs `swift build` first.
        .testTarget(
            name: "GraceCLITests",
            dependencies: []
        ),
    ],
    swiftLanguageModes: [.v6]
)
