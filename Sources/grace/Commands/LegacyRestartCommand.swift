import ArgumentParser
import Foundation

/// `grace restart KERNEL [--stop|--start|--pause|--resume]`: the spelling before `grace kernel ACTION KERNEL`, kept
/// working for existing scripts and hidden from the root help.
struct LegacyRestartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart",
        abstract: "Restart a kernel of the running Grace (or --stop, --start, --pause, --resume it).",
        discussion: """
            The earlier spelling of `grace kernel restart|stop|start|pause|resume KERNEL`, which does the same.

            \(KernelCommand.discussion(refused: "e.g. resume of a kernel that is not paused"))
            """,
        shouldDisplay: false)

    @OptionGroup var target: KernelTarget

    @Flag(help: "What to do.")
    var action: KernelAction = .restart

    func run() async throws {
        try await target.perform(action)
    }
}

extension KernelAction: EnumerableFlag {
    static func name(for value: Self) -> NameSpecification { .customLong(value.rawValue) }
}
