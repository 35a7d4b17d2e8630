// swift-tools-version: 6.1
import PackageDescription

// Dependencies point one way: grace -> GraceAPI -> Runtime -> Interpreter -> GraceDSL -> CLibYAML, and
// grace -> GraceAgent -> (ConfigRepair -> GraceDSL, Runtime); LogMining stands alone (pure template mining, used by Runtime and by `grace logs mine`). SwiftNIO (through Hummingbird)
// enters in GraceAPI, in GraceAgent (through AsyncHTTPClient, for the language-model planner), and in grace itself
// for the API client; no target uses FoundationNetworking (libcurl).
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
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
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
        // Events, trigger evaluation and playbook execution: pure logic over an injected clock, no OS calls.
        .target(
            name: "Interpreter",
            dependencies: ["GraceDSL"]
        ),
        // Online log template mining (Drain-style): pure, no OS calls, no dependencies, so it can be benchmarked
        // and fuzzed on its own.
        .target(name: "LogMining"),
        // Configuration repair and refactoring: planners that propose span-preserving edits and the compile gate
        // that judges them. Pure (no OS calls) so that `grace agent fix` and its tests stay fast.
        .target(
            name: "ConfigRepair",
            dependencies: ["GraceDSL"]
        ),
        // fork/exec, pidfds and prctl: the few system calls Swift cannot make safely itself (after fork only
        // async-signal-safe C may run).
        .target(name: "CGraceSystem"),
        // Leases, membership and fencing for a fleet of Graces: the backend protocol, the local lock backend
        // (POSIX locks, no SwiftNIO) and the member's decisions over an injected clock.
        .target(name: "Fleet"),
        // The etcd v3 lease backend through etcd's JSON gateway, with AsyncHTTPClient (SwiftNIO), kept out of
        // Fleet and Runtime so that they build without SwiftNIO; GraceAPI's assembly plugs it in.
        .target(
            name: "FleetEtcd",
            dependencies: [
                "Fleet",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ]
        ),
        .target(
            name: "Runtime",
            dependencies: [
                "GraceDSL",
                "Interpreter",
                "LogMining",
                "Fleet",
                "CGraceSystem",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // The coding agent's worker (`grace agent run`): task loop, gate, git commits, reload, watch and revert.
        // AsyncHTTPClient (SwiftNIO) for the optional language-model planner's chat-completions requests.
        .target(
            name: "GraceAgent",
            dependencies: [
                "ConfigRepair", "GraceDSL", "Interpreter", "Runtime",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Chaos drills (`grace chaos`): real faults, rollbacks that survive the runner, evidence and gates (the journal
        // kinds from Interpreter's one vocabulary). It talks
        // to Grace through the `GraceLink` protocol, so it needs no SwiftNIO; the CLI supplies the HTTP.
        .target(
            name: "Chaos",
            dependencies: [
                "GraceDSL", "GraceAPIModels", "Interpreter", "CGraceSystem",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The API's bodies as Codable values, shared by the server and the CLI (Foundation only).
        .target(name: "GraceAPIModels"),
        // The HTTP API, Prometheus metrics and the dashboard served by `grace run`, and the assembly of a whole
        // Grace (`buildServiceGroup`).
        .target(
            name: "GraceAPI",
            dependencies: [
                "GraceAPIModels",
                "GraceDSL",
                "Interpreter",
                "Runtime",
                "Fleet",
                "FleetEtcd",
                .product(name: "Hummingbird", package: "hummingbird"),
                // NIOThreadPool: long blocking reads (walking the journal's hash chain) off the cooperative pool.
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The dashboard's files are embedded in the binary by the EmbedDashboard plugin (see its source for
            // why), not shipped as resources: a copied or installed `grace` serves them with nothing beside it.
            exclude: ["Dashboard"],
            plugins: ["EmbedDashboard"]
        ),
        .plugin(
            name: "EmbedDashboard",
            capability: .buildTool(),
            dependencies: ["DashboardEmbedder"]
        ),
        // The plugin's host tool: writes a Swift source with the dashboard's bytes (Foundation only).
        .executableTarget(
            name: "DashboardEmbedder",
            path: "Plugins/DashboardEmbedder"
        ),
        .executableTarget(
            name: "grace",
            dependencies: [
                "Chaos",
                "ConfigRepair",
                "GraceAgent",
                "GraceAPI",
                "GraceAPIModels",
                "GraceDSL",
                "Interpreter",
                "Runtime",
                "LogMining",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The API client (`HTTPExchange`); linked anyway through GraceAPI.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // Swift 6.3.1's SIL loop-invariant code motion never finishes on this target in release builds
        // (bench/heal found it: 55 min without finishing on what was then one main.swift; split into files, it
        // still ran 19 min without finishing); without that one pass it compiles in seconds.
        .executableTarget(
            name: "grace-demo",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: [.unsafeFlags(["-Xllvm", "-sil-disable-pass=loop-invariant-code-motion"])]
        ),
        // Helpers shared by the test targets that start child processes (a plain library target under Tests/).
        .target(
            name: "TestSupport",
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "GraceDSLTests",
            dependencies: ["GraceDSL"]
        ),
        .testTarget(
            name: "ConfigRepairTests",
            dependencies: ["ConfigRepair", "GraceDSL"]
        ),
        .testTarget(
            name: "GraceAgentTests",
            dependencies: [
                "GraceAgent", "ConfigRepair", "Runtime", "Interpreter", "GraceDSL", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                // A scripted OpenAI-compatible server on loopback for the language-model planner's tests.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "ChaosTests",
            dependencies: ["Chaos", "GraceDSL", "GraceAPIModels"]
        ),
        .testTarget(
            name: "FleetTests",
            dependencies: ["Fleet", "TestSupport"]
        ),
        // Starts a real etcd 3.4 (Debian's etcd-server) on loopback.
        .testTarget(
            name: "FleetEtcdTests",
            dependencies: ["FleetEtcd", "Fleet", "TestSupport"]
        ),
        .testTarget(
            name: "LogMiningTests",
            dependencies: ["LogMining"]
        ),
        .testTarget(
            name: "GraceAPITests",
            dependencies: [
                "GraceAPI", "GraceAPIModels", "Runtime", "Interpreter", "GraceDSL", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "InterpreterTests",
            dependencies: ["Interpreter", "GraceDSL", "TestSupport"]
        ),
        .testTarget(
            name: "RuntimeTests",
            dependencies: [
                "Runtime", "Interpreter", "GraceDSL", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // End-to-end drills: run the built `grace` binary as a user would. Needs `swift build` first.
        .testTarget(
            name: "GraceCLITests",
            dependencies: ["TestSupport"],
            // `grace --help` texts that HelpSnapshotTests compares with, read from the source tree.
            exclude: ["HelpSnapshots"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
