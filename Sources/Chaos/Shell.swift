import CGraceSystem
import Foundation

/// Runs the system tools a drill uses (mount, nft, stress-ng) and the helper processes it starts.
enum Shell {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs a command to its end; throws with its output when it exits non-zero or cannot start.
    @discardableResult
    static func run(_ arguments: [String], input: String? = nil) throws -> String {
        var out: [Int32] = [-1, -1]
        var inPipe: [Int32] = [-1, -1]
        guard grace_pipe_cloexec(&out) == 0, input == nil || grace_pipe_cloexec(&inPipe) == 0 else {
            throw Failure(description: "cannot run \(arguments.first ?? ""): no pipe (errno \(errno))")
        }
        let pid: pid_t
        do {
            pid = try ChildProcess.spawn(arguments, stdin: inPipe[0], stdout: out[1], stderr: out[1])
        } catch {
            for fd in out + inPipe where fd >= 0 { close(fd) }
            throw Failure(description: "cannot run \(arguments.first ?? ""): \(error)")
        }
        close(out[1])
        if let input, inPipe[1] >= 0 {
            close(inPipe[0])
            FileHandle(fileDescriptor: inPipe[1], closeOnDealloc: true).write(Data(input.utf8))
        }
        let data = FileHandle(fileDescriptor: out[0], closeOnDealloc: true).readDataToEndOfFile()
        let status = ChildProcess.wait(pid)
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard status == 0 else {
            throw Failure(
                description: "`\(arguments.joined(separator: " "))` exited \(status): " + String(text.prefix(400)))
        }
        return text
    }

    /// Starts a process that outlives this call, its output discarded (or to `log`); returns its pid. It is reaped
    /// when it ends.
    static func spawn(_ arguments: [String], log: URL? = nil) throws -> Int32 {
        let fd = ChildProcess.openLog(log)
        defer { if fd >= 0 { close(fd) } }
        let pid = try ChildProcess.spawn(arguments, stdout: fd, stderr: fd)
        ChildProcess.reap(pid)
        return pid
    }

    /// Whether a tool is on PATH.
    static func has(_ tool: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
        }
    }
}
