// swift-tools-version: 6.0
import Foundation
import PackageDescription

// HealBench: in-process benchmarks of Grace's interpreter (trigger evaluation throughput) and of the compile +
// diff half of a reload. A package of its own, like Fuzz/, depending on the main package by path; run it through
// bench/heal/run.sh.
//
// The main package exports GraceDSL as a library product but (so far) not Interpreter. Until it does, the
// Interpreter sources are compiled here as the target `HealInterpreter` through the symlink
// Sources/HealInterpreter -> ../../../Sources/Interpreter: the very same files, in release, against the GraceDSL
// product. Once the main manifest declares `.library(name: "Interpreter", ...)`, the product is used instead.
let mainManifest = (try? String(contentsOfFile: Context.packageDirectory + "/../../Package.swift", encoding: .utf8)) ?? ""
let interpreterIsAProduct = mainManifest.contains(#".library(name: "Interpreter""#)

let interpreter: Target.Dependency =
    interpreterIsAProduct ? .product(name: "Interpreter", package: "Grace") : "HealInterpreter"

var targets: [Target] = [
    .executableTarget(
        name: "HealBench",
        dependencies: [.product(name: "GraceDSL", package: "Grace"), interpreter],
        swiftSettings: interpreterIsAProduct ? [] : [.define("HEAL_LOCAL_INTERPRETER")]
    )
]
if !interpreterIsAProduct {
    targets.append(
        .target(
            name: "HealInterpreter",
            dependencies: [.product(name: "GraceDSL", package: "Grace")],
            path: "Sources/HealInterpreter"
        ))
}

let package = Package(
    name: "GraceHealBench",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Grace", path: "../.."),
    ],
    targets: targets,
    swiftLanguageModes: [.v6]
)
