// swift-tools-version: 6.0
import PackageDescription

// libFuzzer harnesses for Grace's compiler (GraceFuzz) and its log miner (LogMiningFuzz). A package of its own
// because these executables only link with `-sanitize=fuzzer`; the main package builds without it. Build and run
// them with Fuzz/run.sh.
//
// The compiler comes from the main package ("Grace", named explicitly so that it does not depend on the name of
// the folder the repository is checked out in). The log miner is not one of its products, so this package
// compiles the same sources itself: Sources/FuzzedLogMining is a symbolic link to ../../Sources/LogMining, built
// under another module name (two targets called LogMining in one build graph clash) and with `-enable-testing`,
// so that the harness can also hold the fast paths (byte regex engine, literal splitter) to NSRegularExpression.
let package = Package(
    name: "GraceFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Grace", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "GraceFuzz",
            dependencies: [
                .product(name: "GraceDSL", package: "Grace"),
            ]
        ),
        .target(
            name: "FuzzedLogMining",
            swiftSettings: [.unsafeFlags(["-enable-testing"])]
        ),
        .executableTarget(
            name: "LogMiningFuzz",
            dependencies: ["FuzzedLogMining"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
