// swift-tools-version: 6.0
import PackageDescription

// MineBench: grouping accuracy and single-core throughput of the LogMining template miner over Loghub-2k. A
// package of its own (like Fuzz/ and bench/heal) so that a release build compiles only the miner: the target
// LogMining is the main package's Sources/LogMining through a symlink, the very same files.
let package = Package(
    name: "GraceMineBench",
    targets: [
        .target(name: "LogMining", path: "Sources/LogMining"),
        .executableTarget(name: "MineBench", dependencies: ["LogMining"]),
    ],
    swiftLanguageModes: [.v6]
)
