import Crypto
import Foundation
import GraceAPIModels
import GraceDSL

#if canImport(Glibc)
import Glibc
#endif

/// Injects a scenario's fault for real and records, before each change, how to undo it.
public struct FaultInjector: Sendable {
    /// Why a fault could not be injected.
    public struct Refusal: Error, CustomStringConvertible {
        /// Why, in words.
        public var description: String
    }

    let target: DrillTarget
    let ledger: RollbackLedger
    /// Where backups and helper logs go (`<state dir>/chaos`).
    let workDirectory: URL

    /// Makes an injector for a target.
    public init(target: DrillTarget, ledger: RollbackLedger, workDirectory: URL) {
        self.target = target
        self.ledger = ledger
        self.workDirectory = workDirectory
    }

    private func kernel(_ name: String) throws(Refusal) -> Kernel {
        guard let kernel = target.graph.kernels.first(where: { $0.header.name.value == name }) else {
            throw Refusal(description: "no kernel `\(name)` in the configuration")
        }
        return kernel
    }

    /// The main process of a kernel as the primary Grace sees it.
    func pid(of kernel: String) async throws -> Int32 {
        for link in orderedLinks() {
            if let view = try? await link.kernels().first(where: { $0.name == kernel }), let pid = view.pid {
                return pid
            }
        }
        throw Refusal(description: "kernel `\(kernel)` has no process to inject into")
    }

    func orderedLinks() -> [any GraceLink] {
        let main = target.links[target.main].map { [$0] } ?? []
        return main + target.links.filter { $0.key != target.main }.sorted { $0.key < $1.key }.map(\.value)
    }

    func path(_ relative: String) -> URL {
        relative.hasPrefix("/")
            ? URL(fileURLWithPath: relative) : target.root.appendingPathComponent(relative).standardizedFileURL
    }

    /// Injects `fault`; returns what was done, in words.
    public func inject(_ fault: ChaosScenario.Fault, drill: String) async throws -> String {
        let name = fault.target.name.value
        switch fault {
        case .kill(_, let signal):
            let pid = try await pid(of: name)
            let number = signal?.number ?? SIGKILL
            guard kill(pid, number) == 0 else { throw Refusal(description: "kill(\(pid)): errno \(errno)") }
            return "\(signal?.description ?? "SIGKILL") to \(name) (pid \(pid))"
        case .hang:
            let pid = try await pid(of: name)
            guard let start = ProcessIdentity.startTime(pid) else { throw Refusal(description: "\(name) is gone") }
            await ledger.add(.resume(pid: pid, startTime: start))
            guard kill(-pid, SIGSTOP) == 0 || kill(pid, SIGSTOP) == 0 else {
                throw Refusal(description: "SIGSTOP to \(pid): errno \(errno)")
            }
            return "SIGSTOP to \(name)'s process group \(pid)"
        case .corrupt(_, let file):
            return try await corrupt(kernel: try kernel(name), file: file?.value, drill: drill)
        case .corruptPlaybook(let playbook):
            return try await corruptPlaybook(playbook.value)
        case .exhaustMemory(_, let size, let via):
            if let via { return try await post(via, what: "\(name) holds memory") }
            return try await stressInCgroup(
                kernel: name, arguments: ["--vm", "1", "--vm-bytes", "\(size?.bytes ?? 256 << 20)", "--vm-keep"])
        case .exhaustCPU(_, let via):
            if let via { return try await post(via, what: "\(name) spins") }
            return try await stressInCgroup(kernel: name, arguments: ["--cpu", "1"])
        case .silence(_, let via):
            guard let via else { throw Refusal(description: "silence needs `via`") }
            return try await post(via, what: fault.summary)
        case .failpoint(_, let endpoint):
            return try await post(endpoint, what: fault.summary)
        case .killInstance:
            return try await killInstance(name)
        case .emitError(_, let line):
            let kernel = try kernel(name)
            let text = line?.value ?? "chaos drill \(drill): injected error"
            try await write(lines: [format(text, kernel: kernel)], into: name)
            return "wrote an error line into \(name)'s output"
        case .storm(_, let line, let count):
            let kernel = try kernel(name)
            let text = line?.value ?? "chaos drill \(drill): injected error storm"
            let n = count ?? 200
            try await write(lines: (0..<n).map { _ in format(text, kernel: kernel) }, into: name)
            return "wrote \(n) error lines into \(name)'s output at once"
        case .diskFull(_, let dir, let size, let via):
            guard let dir else { throw Refusal(description: "disk_full needs `path`") }
            let full = try await diskFull(path(dir.value), size: size?.bytes ?? 8 << 20)
            guard let via else { return full }
            return full + "; " + (try await post(via, what: "\(name) writes there"))
        case .bindPort(_, let port):
            let kernel = try kernel(name)
            guard let port = port ?? kernel.ports.first?.value else {
                throw Refusal(description: "kernel `\(name)` declares no port")
            }
            return try await bindPort(port, kernel: name)
        case .partition:
            let ports = try kernel(name).ports.map(\.value)
            return try await partition(ports, drill: drill, kernel: name)
        case .delay(_, let by, let port, _):
            let ports = try port.map { [$0] } ?? kernel(name).ports.map(\.value)
            guard !ports.isEmpty else { throw Refusal(description: "kernel `\(name)` declares no port") }
            return try await delay(ports, by: by ?? .milliseconds(200), drill: drill, kernel: name)
        case .stress(_, let cpu, let memory, let duration):
            guard Shell.has("stress-ng") else {
                throw Refusal(description: "stress-ng is not installed (scripts/setup installs it)")
            }
            var arguments = ["stress-ng", "--cpu", "\(cpu ?? ProcessInfo.processInfo.activeProcessorCount)"]
            if let memory { arguments += ["--vm", "1", "--vm-bytes", "\(memory.bytes)", "--vm-keep"] }
            let seconds = duration.map { Int($0.components.seconds) } ?? 60
            arguments += ["--timeout", "\(max(1, seconds))s", "--quiet"]
            let pid = try Shell.spawn(arguments, log: workDirectory.appendingPathComponent("stress-ng.log"))
            if let start = ProcessIdentity.startTime(pid) {
                await ledger.add(.killProcess(pid: pid, startTime: start, what: "stress-ng"))
            }
            return "stress-ng on the host (pid \(pid)): " + fault.summary
        }
    }

    // MARK: - Faults

    private func post(_ endpoint: ChaosScenario.Fault.Endpoint, what: String) async throws -> String {
        if let undo = endpoint.undo { await ledger.add(.post(url: undo.value)) }
        let status = try await target.http.post(endpoint.url.value)
        guard (200..<300).contains(status) else {
            throw Refusal(description: "POST \(endpoint.url.value) answered \(status)")
        }
        return "\(what): POST \(endpoint.url.value) answered \(status)"
    }

    private func corrupt(kernel: Kernel, file: String?, drill: String) async throws -> String {
        let url: URL
        if let file {
            url = path(file)
        } else {
            guard let found = largestFile(in: kernel.data.map { path($0.value) }) else {
                throw Refusal(description: "kernel `\(kernel.header.name.value)` has no data file to corrupt")
            }
            url = found
        }
        guard let data = FileManager.default.contents(atPath: url.path), !data.isEmpty else {
            throw Refusal(description: "\(url.path) is missing or empty: nothing to corrupt")
        }
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        let backup = workDirectory.appendingPathComponent("\(drill).backup")
        try data.write(to: backup)
        let length = min(512, data.count)
        let offset = UInt64(data.count / 2 >= length ? data.count / 2 : 0)
        var garbage = [UInt8](repeating: 0, count: length)
        for i in garbage.indices { garbage[i] = UInt8.random(in: 0...255) }
        // Garbage that ends in a newline-free, non-UTF-8 run: no record parser mistakes it for a record.
        garbage[0] = 0xFF
        let sha = SHA256.hash(data: garbage).map { String(format: "%02x", $0) }.joined()
        await ledger.add(.restoreCorrupted(path: url.path, backup: backup.path, offset: offset, garbageSHA: sha))
        let handle = try FileHandle(forWritingTo: url)
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: garbage)
        try handle.synchronize()
        try handle.close()
        return "\(length) bytes of garbage at offset \(offset) of \(url.path)"
    }

    private func largestFile(in directories: [URL]) -> URL? {
        var best: (URL, Int)?
        for directory in directories {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else { continue }
            let files: [URL] =
                isDirectory.boolValue
                ? (FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.fileSizeKey])?
                    .compactMap { $0 as? URL } ?? []) : [directory]
            for file in files {
                let size = (try? file.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0) ?? 0
                if size > (best?.1 ?? 0) { best = (file, size) }
            }
        }
        return best?.0
    }

    private func corruptPlaybook(_ name: String) async throws -> String {
        guard let playbook = target.graph.playbooks.first(where: { $0.header.name.value == name }) else {
            throw Refusal(description: "no playbook `\(name)`")
        }
        let url = path(playbook.header.name.span.file)
        guard let original = try? String(contentsOf: url, encoding: .utf8) else {
            throw Refusal(description: "cannot read \(url.path)")
        }
        // Misspell the first step action of the playbook's document (`wait_healthy` -> `wait_healty`): the
        // kind of slip a hand edit makes, which Grace refuses with a fix-it the agent can apply.
        var lines = original.components(separatedBy: "\n")
        let start = max(0, playbook.header.name.span.start.line - 1)
        var edited: String?
        search: for i in start..<lines.count {
            if i > start, lines[i].hasPrefix("---") { break }
            let trimmed = lines[i].drop { $0 == " " || $0 == "-" }
            for keyword in Action.keywords where keyword.count > 3 && trimmed.hasPrefix(keyword + ":") {
                var typo = keyword
                typo.remove(at: typo.index(typo.endIndex, offsetBy: -2))
                lines[i] = lines[i].replacingOccurrences(of: keyword + ":", with: typo + ":")
                edited = "\(url.lastPathComponent):\(i + 1): `\(keyword)` misspelt `\(typo)`"
                break search
            }
        }
        guard let edited else { throw Refusal(description: "playbook `\(name)` has no step action to misspell") }
        let text = lines.joined(separator: "\n")
        await ledger.add(.restoreDocument(path: url.path, original: original, edited: text))
        try text.write(to: url, atomically: false, encoding: .utf8)
        return edited
    }

    private func stressInCgroup(kernel: String, arguments: [String]) async throws -> String {
        let pid = try await pid(of: kernel)
        guard Shell.has("stress-ng") else {
            throw Refusal(description: "stress-ng is not installed (scripts/setup installs it); or give `via`")
        }
        let own = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? ""
        guard let group = try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8),
            group != own, let path = group.split(separator: "\n").first?.split(separator: ":").last
        else {
            throw Refusal(
                description: "\(kernel) runs in no cgroup of its own here, so stress-ng would not count as its "
                    + "usage: give the fault `via: URL` (the kernel's own fault endpoint)")
        }
        let stress = try Shell.spawn(["stress-ng"] + arguments + ["--quiet"])
        if let start = ProcessIdentity.startTime(stress) {
            await ledger.add(.killProcess(pid: stress, startTime: start, what: "stress-ng"))
        }
        try "\(stress)\n".write(toFile: "/sys/fs/cgroup\(path)/cgroup.procs", atomically: false, encoding: .utf8)
        return "stress-ng (pid \(stress)) in \(kernel)'s cgroup \(path)"
    }

    private func killInstance(_ instance: String) async throws -> String {
        guard let link = target.links[instance] else {
            throw Refusal(description: "instance \(instance) is not running")
        }
        let status = try await link.status()
        let pid = status.pid
        // A binary replaced since it started (an upgrade, a rebuild) reads as `PATH (deleted)`.
        guard pid > 0, let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"),
            exe.replacingOccurrences(of: " (deleted)", with: "").hasSuffix("/grace")
        else { throw Refusal(description: "instance \(instance) answers as pid \(pid), which is not a local grace") }
        await ledger.add(.startInstance(instance: instance))
        guard kill(pid, SIGKILL) == 0 else { throw Refusal(description: "kill(\(pid)): errno \(errno)") }
        return "SIGKILL to instance \(instance) (pid \(pid))"
    }

    /// A line as the kernel would log it: its `logs.format` with today's date and time, level ERROR.
    func format(_ text: String, kernel: Kernel) -> String {
        guard let format = kernel.logs.format?.value else { return text }
        let now = Date()
        let date = ISO8601DateFormatter.string(from: now, timeZone: .current, formatOptions: [.withFullDate])
        var time = ISO8601DateFormatter.string(
            from: now, timeZone: .current, formatOptions: [.withTime, .withColonSeparatorInTime])
        time += String(format: ".%03d", Int(now.timeIntervalSince1970 * 1000) % 1000)
        var line = ""
        var rest = Substring(format)
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
            line += rest[..<open]
            let field = rest[rest.index(after: open)..<close]
            switch field {
            case "Content": line += text
            case "Date": line += date
            case "Time": line += time
            case "Level": line += "ERROR"
            case "Component": line += "chaos"
            default: line += "-"
            }
            rest = rest[rest.index(after: close)...]
        }
        return line + rest
    }

    /// Writes lines into a kernel's standard output: the pipe Grace reads its logs from.
    private func write(lines: [String], into kernel: String) async throws {
        let pid = try await pid(of: kernel)
        let fd = open("/proc/\(pid)/fd/1", O_WRONLY | O_NONBLOCK)
        guard fd >= 0 else { throw Refusal(description: "cannot open \(kernel)'s output (errno \(errno))") }
        defer { close(fd) }
        let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
        var written = 0
        var attempts = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                written += n
            } else if errno == EAGAIN, attempts < 2000 {
                attempts += 1
                try await Task.sleep(for: .milliseconds(1))  // the pipe is full until Grace reads it
            } else {
                throw Refusal(description: "writing into \(kernel)'s output: errno \(errno)")
            }
        }
    }

    private func diskFull(_ directory: URL, size: UInt64) async throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        await ledger.add(.unmount(path: directory.path))
        try Shell.run(["mount", "-t", "tmpfs", "-o", "size=\(size),mode=0755", "grace-chaos", directory.path])
        // Fill it: one file written until the filesystem refuses (ENOSPC).
        let ballast = directory.appendingPathComponent("chaos-ballast.log.1")
        _ = FileManager.default.createFile(atPath: ballast.path, contents: nil)
        let fd = open(ballast.path, O_WRONLY)
        guard fd >= 0 else { throw Refusal(description: "cannot write \(ballast.path)") }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0x2E, count: 64 * 1024)
        var total = 0
        while true {
            let n = chunk.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            total += n
        }
        return "\(directory.path) is a full \(size >> 20) MiB filesystem (\(total >> 10) KiB of ballast)"
    }

    private func bindPort(_ port: Int, kernel: String) async throws -> String {
        let pid = try await pid(of: kernel)
        let log = workDirectory.appendingPathComponent("hold-port-\(port).log")
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        let holder = try Shell.spawn([target.executable, "chaos", "hold-port", "\(port)"], log: log)
        if let start = ProcessIdentity.startTime(holder) {
            await ledger.add(.killProcess(pid: holder, startTime: start, what: "the holder of port \(port)"))
        }
        // The holder starts (a second or more on a loaded machine) before the kernel is killed, then retries its
        // bind every millisecond: it wins the port before the restart, 100 ms or more later, does.
        var ready = false
        for _ in 0..<1000 where !ready {
            ready = (try? String(contentsOf: log, encoding: .utf8))?.contains("waiting for") == true
            if !ready { try await Task.sleep(for: .milliseconds(10)) }
        }
        guard ready else { throw Refusal(description: "the port holder did not start within 10 s") }
        guard kill(pid, SIGKILL) == 0 else { throw Refusal(description: "kill(\(pid)): errno \(errno)") }
        for _ in 0..<500 {
            if let text = try? String(contentsOf: log, encoding: .utf8), text.contains("bound") {
                return "pid \(holder) holds port \(port); SIGKILL to \(kernel) (pid \(pid))"
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw Refusal(description: "the holder could not bind port \(port) within 5 s")
    }

    private func partition(_ ports: [Int], drill: String, kernel: String) async throws -> String {
        guard Shell.has("nft") else { throw Refusal(description: "nft is not installed (scripts/setup installs it)") }
        let set = ports.map(String.init).joined(separator: ", ")
        let table = try await nftTable(
            for: drill, chain: "input", hook: "type filter hook input priority -150",
            rules: ["tcp dport { \(set) } drop"])
        return "nftables table inet \(table) drops packets to \(kernel)'s ports \(set)"
    }

    /// Loads an nftables table of one chain for the drill, its deletion written to the ledger first; returns its
    /// name. The runner's pid is in the name, so that two runners (two roots on one host) neither share nor delete
    /// each other's table.
    private func nftTable(for drill: String, chain: String, hook: String, rules: [String]) async throws -> String {
        let table =
            "grace_chaos_\(getpid())_"
            + String(drill.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.prefix(20))
        await ledger.add(.deleteTable(family: "inet", name: table))
        let body = rules.map { "        " + $0 }.joined(separator: "\n")
        try Shell.run(
            ["nft", "-f", "-"],
            input: "table inet \(table) {\n    chain \(chain) {\n        \(hook); policy accept;\n\(body)\n    }\n}\n")
        return table
    }

    /// The mark the delaying proxy puts on its own connections to the kernel, so that the redirect lets them by.
    static let proxyMark = 0x4772

    /// A delaying proxy (`grace chaos delay-proxy`) per port, and an nftables table that redirects every new local
    /// connection to the port (on 127.0.0.0/8) to it, but the proxy's own (marked) ones. Without `sch_netem`, this
    /// is how a slow network to a kernel is made here; connections open before the fault keep their fast path.
    private func delay(_ ports: [Int], by: Duration, drill: String, kernel: String) async throws -> String {
        guard Shell.has("nft") else { throw Refusal(description: "nft is not installed (scripts/setup installs it)") }
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        var rules: [String] = []
        var proxies: [String] = []
        for port in ports {
            let log = workDirectory.appendingPathComponent("delay-proxy-\(port).log")
            let proxy = try Shell.spawn(
                [
                    target.executable, "chaos", "delay-proxy", "--to", "\(port)", "--by-ms", "\(by.ms)", "--mark",
                    "\(Self.proxyMark)",
                ], log: log)
            if let start = ProcessIdentity.startTime(proxy) {
                await ledger.add(.killProcess(pid: proxy, startTime: start, what: "the delaying proxy of port \(port)"))
            }
            // The proxy binds a free port and says which: `listening PORT`.
            var listening: Int?
            for _ in 0..<1000 where listening == nil {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                listening = text.split(separator: "\n").first { $0.hasPrefix("listening ") }
                    .flatMap { Int($0.dropFirst("listening ".count)) }
                if listening == nil { try await Task.sleep(for: .milliseconds(10)) }
            }
            guard let listening else { throw Refusal(description: "the delaying proxy did not start within 10 s") }
            rules.append(
                "ip daddr 127.0.0.0/8 tcp dport \(port) meta mark != \(Self.proxyMark) redirect to :\(listening)")
            proxies.append("\(port) through pid \(proxy) on \(listening)")
        }
        let table = try await nftTable(
            for: drill, chain: "output", hook: "type nat hook output priority -100", rules: rules)
        return "nftables table inet \(table) sends new connections to \(kernel)'s ports through a proxy that holds "
            + "each read \(by.ms) ms: " + proxies.joined(separator: ", ")
    }

    // MARK: - Rollbacks

    /// Undoes one rollback; returns what was done, or nil when nothing was needed.
    public func undo(_ rollback: Rollback) async -> String {
        do {
            switch rollback {
            case .resume(let pid, let start):
                guard ProcessIdentity.isSame(pid, startTime: start) else { return "process \(pid) is gone" }
                _ = kill(-pid, SIGCONT)
                _ = kill(pid, SIGCONT)
                return "SIGCONT to \(pid)"
            case .killProcess(let pid, let start, let what):
                guard ProcessIdentity.isSame(pid, startTime: start) else { return "\(what) already ended" }
                // Its children too: stress-ng's workers outlive a SIGKILLed parent and spin on.
                let tree = ProcessIdentity.descendants(of: pid)
                _ = kill(pid, SIGTERM)
                for _ in 0..<20 where ProcessIdentity.isSame(pid, startTime: start) && ProcessIdentity.state(pid) != "Z"
                {
                    try await Task.sleep(for: .milliseconds(100))
                }
                for child in [pid] + tree { _ = kill(child, SIGKILL) }
                var status: Int32 = 0
                _ = waitpid(pid, &status, WNOHANG)
                return "stopped \(what)" + (tree.isEmpty ? "" : " and its \(tree.count) children")
            case .restoreCorrupted(let path, let backup, let offset, let sha):
                defer { try? FileManager.default.removeItem(atPath: backup) }
                guard let handle = FileHandle(forReadingAtPath: path) else { return "\(path) is gone" }
                defer { try? handle.close() }
                try handle.seek(toOffset: offset)
                let bytes = try handle.read(upToCount: 512) ?? Data()
                let now = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
                guard now == sha else { return "\(path) was repaired (by Grace)" }
                try FileManager.default.removeItem(atPath: path)
                try FileManager.default.copyItem(atPath: backup, toPath: path)
                return "restored \(path): it was still corrupt"
            case .restoreDocument(let path, let original, let edited):
                let now = try? String(contentsOfFile: path, encoding: .utf8)
                guard now == edited else { return "\(path) changed since (repaired)" }
                try original.write(toFile: path, atomically: false, encoding: .utf8)
                return "restored \(path): it still held the drill's edit"
            case .unmount(let path):
                let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
                guard mounts.contains(" \(path) tmpfs ") else { return "\(path) is not mounted" }
                try Shell.run(["umount", "-l", path])
                return "unmounted \(path)"
            case .deleteTable(let family, let name):
                guard (try? Shell.run(["nft", "list", "table", family, name])) != nil else { return "no table \(name)" }
                try Shell.run(["nft", "delete", "table", family, name])
                return "deleted nftables table \(name)"
            case .post(let url):
                let status = try await target.http.post(url)
                return "POST \(url): \(status)"
            case .stopInstance(let pid, let start, let instance):
                guard ProcessIdentity.isSame(pid, startTime: start) else { return "\(instance) already stopped" }
                _ = kill(pid, SIGTERM)
                // An orderly exit: it stops its kernels first. It may be this process's child: reap it.
                var status: Int32 = 0
                for _ in 0..<600 {
                    if waitpid(pid, &status, WNOHANG) == pid || !ProcessIdentity.isSame(pid, startTime: start)
                        || ProcessIdentity.state(pid) == "Z"
                    {
                        return "stopped instance \(instance)"
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                _ = kill(pid, SIGKILL)
                return "instance \(instance) did not stop within 60 s: SIGKILL"
            case .startInstance(let instance):
                if let link = target.links[instance], (try? await link.status()) != nil {
                    return "\(instance) is running"
                }
                let pid = try await target.startInstance(instance)
                return "started instance \(instance) again (pid \(pid))"
            }
        } catch {
            return "failed: \(error)"
        }
    }
}
