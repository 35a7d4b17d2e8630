// swift-tools-version: 6.0
import PackageDescription

// The libFuzzer harness for Grace's compiler. It is a package of its own because its executable only links
// with `-sanitize=fuzzer`; the main package builds without it. Build and run it with Fuzz/run.sh.
//
// The dependency is named explicitly ("Grace", the main package's name) so that it does not depend on the
// name of the folder the repository is checked out in.
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
    ],
    swiftLanguageModes: [.v6]
)
