import Foundation

struct Options {
    static let usage = "usage: grace-demo --name NAME --port N [--data DIR] [--fail-after SECONDS] [--crash-after SECONDS] "
        + "[--fault 'NAME?PARAMS']..."
    var name = "demo"
    var port: UInt16 = 8080
    var dataDir: String?
    var failAfter: Double?
    /// Faults to inject once listening, each with its delay in seconds.
    var faults: [(fault: Fault, after: Double)] = []

    static func parse(_ arguments: ArraySlice<String>) -> Options {
        var options = Options()
        var rest = arguments
        while let flag = rest.popFirst() {
            guard ["--name", "--port", "--data", "--fail-after", "--crash-after", "--fault"].contains(flag) else {
                if flag == "-h" || flag == "--help" { print(usage); exit(0) }
                die("unknown argument '\(flag)'")
            }
            guard let value = rest.popFirst() else { die("\(flag) needs a value") }
            switch flag {
            case "--name":
                guard !value.isEmpty, !value.contains(where: { $0.isWhitespace }) else { die("--name must be one word") }
                options.name = value
            case "--port":
                guard let port = UInt16(value), port > 0 else { die("--port must be 1-65535, not '\(value)'") }
                options.port = port
            case "--data":
                options.dataDir = value
            case "--crash-after":
                guard let seconds = parseSeconds(value), seconds <= 86_400 else { die("--crash-after must be seconds >= 0") }
                options.faults.append((.crash(how: .abort, code: 1), seconds))
            case "--fault":
                let parts = value.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
                guard let parameters = decodeForm(parts.count > 1 ? parts[1] : "") else {
                    die("--fault '\(value)': bad percent-encoding")
                }
                do {
                    options.faults.append(try Fault.parse(String(parts[0]), parameters))
                } catch {
                    die("--fault '\(value)': \(error.message)")
                }
            default:
                guard let seconds = Double(value), seconds >= 0 else { die("--fail-after must be seconds >= 0") }
                options.failAfter = seconds
            }
        }
        if options.dataDir == nil, options.faults.contains(where: { if case .corrupt = $0.fault { true } else { false } }) {
            die("--fault corrupt needs --data DIR")
        }
        return options
    }
}

func die(_ message: String) -> Never {
    FileHandle.standardError.write(Data("grace-demo: \(message)\n\(Options.usage)\n".utf8))
    exit(2)
}
