import ArgumentParser
import Foundation
import GraceDSL

extension DiagnosticFormat: ExpressibleByArgument {}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile the configuration and report problems like a compiler.",
        discussion: """
            Checks YAML syntax, unknown keys, types and units, references, cycles, unreachable playbooks, \
            triggers that cannot fire or shadow each other, parameters, regexes and templates, executables, \
            ports, fleet topology, chaos scenarios and gates. Every code is explained in docs/diagnostics.md.

            Exit status: 0 no errors (warnings allowed), 1 errors (or warnings with --warnings-as-errors), \
            2 usage or I/O error.

            Examples:
              grace validate
              grace validate config/kernels.yaml --format sarif > grace.sarif
              grace validate --format junit --warnings-as-errors > report.xml
            """)

    @OptionGroup var configuration: ConfigurationOptions

    @Option(name: .shortAndLong, help: "The output format.")
    var format: DiagnosticFormat = .text

    @Flag(help: "Treat warnings as errors (exit 1 when there are any).")
    var warningsAsErrors = false

    func run() throws {
        let loaded = try configuration.load()
        // Only diagnostics are reported: skip building the graph (and hashing every document for it).
        let result = Compiler(options: loaded.options).compile(loaded.files, buildingGraph: false)
        var diagnostics = result.diagnostics
        if warningsAsErrors {
            diagnostics = diagnostics.map { d in
                var d = d
                if d.severity == .warning { d.severity = .error }
                return d
            }
        }
        let sources = Dictionary(loaded.files.map { ($0.path, $0.text) }, uniquingKeysWith: { a, _ in a })
        let output: String
        switch format {
        case .text:
            output = TextDiagnosticRenderer(color: Terminal.wantsColor()).render(diagnostics, sources: sources)
        case .json:
            output = JSONDiagnosticRenderer().render(diagnostics, sources: sources)
        case .junit:
            output = JUnitDiagnosticRenderer().render(diagnostics, files: loaded.files.map(\.path), sources: sources)
        case .sarif:
            output = SARIFDiagnosticRenderer(toolVersion: Grace.version).render(diagnostics, sources: sources)
        }
        print(output)
        if diagnostics.contains(where: { $0.severity == .error }) {
            throw ExitCode(1)
        }
    }
}
