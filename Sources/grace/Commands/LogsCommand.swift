import ArgumentParser
import Foundation
import LogMining

/// `grace logs`: tools over log files; `mine` groups lines into templates as the runtime does for each kernel.
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Work with log files: mine their templates.",
        subcommands: [Mine.self],
        defaultSubcommand: Mine.self)
}

extension LogsCommand {
    struct Mine: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Group a log file's lines into templates and print one CSV row per line.",
            discussion: """
                Each line is split by the line format (logpai style: `<Field>` placeholders, `Content` is the \
                message, the text between is a regular expression in which spaces match any whitespace), its \
                message masked by each --mask (matches become `<*>`) and grouped online, one line at a time, into \
                templates with stable ids (the same template has the same id on any machine). A line that does \
                not match the format is mined whole.

                Output: CSV `LineId,EventId,EventTemplate` on stdout, each line with the template it ended up in, \
                ready for Loghub's evaluator.

                Exit status: 0 success, 2 usage or I/O error (bad format or mask, unreadable file).

                Examples:
                  grace logs mine --format '<Date> <Time> <Level> <Component>: <Content>' \\
                      app.log
                  grace logs mine --stats \\
                      --format '<Date> <Time> <Pid> <Level> <Component>: <Content>' \\
                      --mask 'blk_-?\\d+' --mask '(\\d+\\.){3}\\d+(:\\d+)?' HDFS_2k.log > out.csv
                """)

        @Option(
            help: ArgumentHelp(
                "The line format, e.g. '<Date> <Time> <Level> <Component>: <Content>'. Default: the whole line is "
                    + "the message.",
                valueName: "format"))
        var format: String?

        @Option(
            help: ArgumentHelp(
                "A regular expression whose matches in the message are variables (repeatable).", valueName: "regex"))
        var mask: [String] = []

        @Option(
            help: ArgumentHelp(
                "Similarity (0-1) at which a line joins a template; the default suits most logs.",
                valueName: "similarity"))
        var threshold = MinerOptions().similarityThreshold

        @Flag(name: .long, help: "Print lines, templates and lines per second to stderr.")
        var stats = false

        @Argument(help: "The log file ('-' for standard input).")
        var file: String

        func validate() throws {
            guard (0...1).contains(threshold) else { throw ValidationError("--threshold must be between 0 and 1") }
        }

        func run() throws {
            var options = MinerOptions()
            options.similarityThreshold = threshold
            var miner: LogMiner
            do {
                miner = try LogMiner(format: format, masks: mask, options: options)
            } catch {
                throw CLIError.usage(String(describing: error))
            }
            let data: Data
            do {
                data =
                    file == "-"
                    ? FileHandle.standardInput.readDataToEndOfFile()
                    : try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw CLIError.io("cannot read \(file): \((error as NSError).localizedDescription)")
            }
            let start = ContinuousClock.now
            let lines = LogText.lines(data)
            var matches: [TemplateMatch] = []
            matches.reserveCapacity(lines.count)
            for line in lines {
                matches.append(miner.add(line: line).match)
            }
            let elapsed = ContinuousClock.now - start
            FileHandle.standardOutput.write(LogText.csv(matches.map { miner.miner.current($0) }))
            if stats {
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let rate = seconds > 0 ? Int(Double(lines.count) / seconds) : 0
                let report =
                    "\(lines.count) lines, \(miner.miner.templates.count) templates, "
                    + String(format: "%.3f s, ", seconds) + "\(rate) lines/s\n"
                FileHandle.standardError.write(Data(report.utf8))
            }
        }
    }
}
