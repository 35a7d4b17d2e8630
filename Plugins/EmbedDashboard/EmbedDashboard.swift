// Embeds the dashboard (Sources/GraceAPI/Dashboard/) in GraceAPI at build time, so that a `grace` binary copied or
// installed anywhere serves `/` with nothing beside it (SwiftPM resources live in a bundle next to the binary).
//
// Why a build tool plugin rather than a checked-in generated file: the dashboard's HTML, CSS and modules stay plain
// files that are edited, reviewed and diffed as themselves; the next build embeds them, so the binary can never
// serve a stale copy and there is no second, generated copy in git to keep in step (nor a staleness test and a
// regeneration script to remember). The price is one small host tool (DashboardEmbedder) built once per build
// directory.
import Foundation
import PackagePlugin

@main
struct EmbedDashboard: BuildToolPlugin {
    /// One command: DashboardEmbedder writes `EmbeddedDashboard.swift` from every file of the target's `Dashboard/`.
    /// The folder is listed at each build, so a file added or removed there is embedded or dropped by the next one;
    /// each file is an input, so an edit runs the command again.
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let folder = target.directoryURL.appendingPathComponent("Dashboard")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { !$0.hasPrefix(".") }
            .sorted()
        let inputs = names.map { folder.appendingPathComponent($0) }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("EmbeddedDashboard.swift")
        return [
            .buildCommand(
                displayName: "Embedding the dashboard's \(names.count) files in \(target.name)",
                executable: try context.tool(named: "DashboardEmbedder").url,
                arguments: [output.path] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output])
        ]
    }
}
