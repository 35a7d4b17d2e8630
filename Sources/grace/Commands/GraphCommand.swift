import ArgumentParser
import Foundation
import GraceDSL

extension GraphRenderer.Format: ExpressibleByArgument {}

struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the compiled execution graph as DOT, Mermaid or JSON.",
        discussion: """
            Nodes are kernels (in boot order), triggers, playbooks and their steps, signatures, components, \
            fleet instances, chaos scenarios, faults and gates; edges say who depends on, runs, escalates to, \
            calls, watches, injects into or expects whom. The JSON form also carries the content hash and each \
            document's hash.

            Exit status: 0 success, 1 the configuration has errors, 2 usage or I/O error.

            Examples:
              grace graph --format dot | dot -Tsvg > graph.svg
              grace graph --format mermaid
            """)

    @OptionGroup var configuration: ConfigurationOptions

    @Option(name: .shortAndLong, help: "The output format.")
    var format: GraphRenderer.Format = .dot

    func run() throws {
        let graph = try configuration.compileOrExit().graph
        print(GraphRenderer().render(graph, format: format), terminator: "")
    }
}
