import Foundation
import Glibc
import Interpreter
import TestSupport
import Testing

@testable import Runtime

@Suite("systemd notify protocol", .timeLimit(.minutes(5)))
struct NotifySocketTests {
    let reactor: IOReactor

    init() throws {
        reactor = try IOReactor()
    }

    // MARK: Parsing

    @Test("a datagram is newline-separated assignments, as sd_notify(3) sends them")
    func parse() throws {
        let text = "READY=1\nSTATUS=Serving 12 clients\nMAINPID=4242\nWATCHDOG_USEC=5000000\nERRNO=2\n"
        let message = try #require(NotifyMessage.parse(Array(text.utf8), senderPID: 7))
        #expect(message.senderPID == 7)
        #expect(message.isReady && !message.isWatchdog && !message.isStopping && !message.isReloading)
        #expect(message.status == "Serving 12 clients")
        #expect(message.mainPID == 4242)
        #expect(message.watchdogInterval == .seconds(5))
        #expect(message.errorNumber == 2)
        #expect(message.fields.count == 5)
    }

    @Test("flags, values with '=' in them, first assignment wins, FDSTORE ignored")
    func parseDetails() throws {
        let message = try #require(
            NotifyMessage.parse(
                Array("WATCHDOG=1\nSTATUS=a=b\nSTATUS=later\nSTOPPING=1\nFDSTORE=1\nFDNAME=x".utf8), senderPID: nil))
        #expect(message.isWatchdog && message.isStopping)
        #expect(message.status == "a=b")
        #expect(message.fields["FDSTORE"] == nil && message.fields["FDNAME"] == nil)
        #expect(message.senderPID == nil)
        #expect(NotifyMessage.parse(Array("WATCHDOG=trigger".utf8), senderPID: 1)?.isWatchdogTrigger == true)
        #expect(NotifyMessage.parse(Array("RELOADING=1\nMONOTONIC_USEC=1".utf8), senderPID: 1)?.isReloading == true)
        #expect(NotifyMessage.parse(Array("MAINPID=0".utf8), senderPID: 1)?.mainPID == nil)
        #expect(NotifyMessage.parse(Array("READY=0".utf8), senderPID: 1)?.isReady == false)
    }

    @Test(
        "garbage is dropped whole: empty, no assignment, NUL byte, invalid UTF-8, oversized, only FDSTORE or BARRIER",
        arguments: [
            [UInt8](),
            Array("hello world".utf8),
            Array("=1\n1X=2".utf8),
            Array("READY=1\0".utf8),
            [0x52, 0x45, 0x41, 0x44, 0x59, 0x3D, 0xFF, 0xFE],
            Array(("STATUS=" + String(repeating: "x", count: 4096)).utf8),
            Array("FDSTORE=1".utf8),
            Array("BARRIER=1".utf8),
        ])
    func parseGarbage(_ datagram: [UInt8]) {
        #expect(NotifyMessage.parse(datagram, senderPID: 1) == nil)
    }

    // MARK: The socket

    @Test("a datagram sent to the socket arrives parsed, with the sender's PID from SCM_CREDENTIALS")
    func receive() async throws {
        let path = try scratchPath("recv.sock")
        defer { removeScratch(path) }
        let socket = try NotifySocket(path: path, reactor: reactor)
        defer { socket.close() }
        try sendDatagram(Array("READY=1\nSTATUS=up".utf8), to: socket.path)
        let message = try #require(await nextMessage(socket))
        #expect(message.isReady && message.status == "up")
        #expect(message.senderPID == getpid())
        #expect(message.senderProcessGroup == getpgrp())
    }

    @Test("the socket is a 0666 socket file, its parent directories created")
    func fileMode() throws {
        let path = try scratchPath("nested/deeper/mode.sock")
        defer { removeScratch(path) }
        let socket = try NotifySocket(path: path, reactor: reactor)
        defer { socket.close() }
        var info = stat()
        #expect(lstat(path, &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
        #expect(info.st_mode & 0o777 == 0o666)
    }

    @Test("garbage and oversized datagrams are dropped and the next good one still arrives")
    func survivesGarbage() async throws {
        let path = try scratchPath("garbage.sock")
        defer { removeScratch(path) }
        let socket = try NotifySocket(path: path, reactor: reactor)
        defer { socket.close() }
        try sendDatagram([0xFF, 0x00, 0x13], to: socket.path)
        try sendDatagram(Array(repeating: UInt8(ascii: "A"), count: 60_000), to: socket.path)
        try sendDatagram(Array(("STATUS=" + String(repeating: "y", count: 5000)).utf8), to: socket.path)
        try sendDatagram(Array("WATCHDOG=1".utf8), to: socket.path)
        let message = try #require(await nextMessage(socket))
        #expect(message.fields == ["WATCHDOG": "1"])
    }

    @Test("descriptors passed along with a message are closed, not leaked")
    func passedDescriptorsAreClosed() async throws {
        let path = try scratchPath("fds.sock")
        defer { removeScratch(path) }
        let socket = try NotifySocket(path: path, reactor: reactor)
        defer { socket.close() }
        var ends: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0)
        defer { _ = Glibc.close(ends[0]) }
        try sendDatagram(Array("FDSTORE=1\nSTATUS=stored".utf8), to: socket.path, passing: ends[1])
        _ = Glibc.close(ends[1])
        let message = try #require(await nextMessage(socket))
        #expect(message.status == "stored")
        // The socket's copy was the last one open once the message was delivered: the other end sees EOF.
        var entry = pollfd(fd: ends[0], events: Int16(POLLIN), revents: 0)
        #expect(poll(&entry, 1, 60_000) == 1)
        var byte: UInt8 = 0
        #expect(recv(ends[0], &byte, 1, Int32(MSG_DONTWAIT)) == 0)
    }

    @Test("close() finishes the stream for a waiting consumer, unlinks the path, and may be called twice")
    func close() async throws {
        let path = try scratchPath("close.sock")
        defer { removeScratch(path) }
        let socket = try NotifySocket(path: path, reactor: reactor)
        try sendDatagram(Array("READY=1".utf8), to: path)
        #expect(await nextMessage(socket)?.isReady == true)
        let waiting = Task {
            var count = 0
            for await _ in socket.messages { count += 1 }
            return count
        }
        socket.close()
        socket.close()
        let ended = await withTaskGroup(of: Int?.self) { group in
            group.addTask { await waiting.value }
            group.addTask {
                try? await Task.sleep(for: TestWait.standard)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        #expect(ended == 0)
        #expect(access(path, F_OK) != 0)
        #expect(throws: (any Error).self) { try sendDatagram(Array("READY=1".utf8), to: path) }
    }

    @Test("dropping the last reference closes the socket too")
    func deinitCloses() throws {
        let path = try scratchPath("dropped.sock")
        defer { removeScratch(path) }
        do {
            let socket = try NotifySocket(path: path, reactor: reactor)
            _ = socket.path
        }
        #expect(access(path, F_OK) != 0)
    }

    @Test("a stale socket left by a dead process is replaced; a live one is not taken over")
    func staleAndLive() async throws {
        let path = try scratchPath("stale.sock")
        defer { removeScratch(path) }
        // A stale socket: bound, then its owner gone without unlinking.
        let stale = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = unixAddress(path)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        _ = Glibc.close(stale)
        let socket = try NotifySocket(path: path, reactor: reactor)
        defer { socket.close() }
        try sendDatagram(Array("READY=1".utf8), to: path)
        #expect(await nextMessage(socket)?.isReady == true)

        #expect(throws: NotifySocketError.inUse(path: path)) { try NotifySocket(path: path, reactor: reactor) }
    }

    @Test("a path that is not a socket is refused, and so is a path too long for AF_UNIX")
    func refusedPaths() throws {
        let file = try scratchPath("regular")
        defer { removeScratch(file) }
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))
        #expect(throws: NotifySocketError.notASocket(path: file)) { try NotifySocket(path: file, reactor: reactor) }
        let long = "/tmp/" + String(repeating: "n", count: 120) + ".sock"
        #expect(throws: NotifySocketError.pathTooLong(path: long)) { try NotifySocket(path: long, reactor: reactor) }
    }

    @Test("closing a socket does not unlink a newer socket bound at the same path")
    func closeKeepsSuccessor() throws {
        let path = try scratchPath("successor.sock")
        defer { removeScratch(path) }
        let old = try NotifySocket(path: path, reactor: reactor)
        unlink(path)
        let new = try NotifySocket(path: path, reactor: reactor)
        defer { new.close() }
        old.close()
        #expect(access(path, F_OK) == 0)
    }

    // MARK: Compatibility with systemd's own senders

    @Test(
        "the real systemd-notify tool is understood",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-notify")))
    func systemdNotify() async throws {
        let path = try scratchPath("systemd-notify.sock")
        defer { removeScratch(path) }
        let socket = try NotifySocket(path: path, reactor: reactor)
        defer { socket.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-notify")
        process.arguments = ["--ready", "--status=up"]
        process.environment = ["NOTIFY_SOCKET": socket.path, "PATH": "/usr/bin:/bin"]
        try process.run()
        let message = try #require(await nextMessage(socket))
        #expect(await process.exited() == 0)
        #expect(message.fields["READY"] == "1")
        #expect(message.fields["STATUS"] == "up")
        // systemd-notify sends from its own process (or, privileged, on behalf of its parent): either way a PID
        // the supervisor can check against the kernel's process group.
        let sender = try #require(message.senderPID)
        #expect(sender == process.processIdentifier || sender == getpid())
        // Looked up while systemd-notify still waited on its barrier, so known even though it has exited since.
        // (Foundation's Process makes its child a process group leader.)
        let group = try #require(message.senderProcessGroup)
        #expect(group == process.processIdentifier || group == getpgrp())
    }

    @Test("libsystemd's sd_notify is understood", .enabled(if: libsystemdAvailable))
    func libsystemd() async throws {
        let directory = try scratchPath("sd")
        defer { removeScratch(directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let source = directory + "/notify.c"
        let program = directory + "/notify"
        try """
        #include <systemd/sd-daemon.h>
        #include <signal.h>
        #include <stdio.h>
        #include <unistd.h>
        static void done(int signal) { (void)signal; _exit(0); }
        int main(void) {
            /* Foundation starts children with most signals blocked, SIGTERM among them. */
            sigset_t term;
            sigemptyset(&term);
            sigaddset(&term, SIGTERM);
            signal(SIGTERM, done);
            sigprocmask(SIG_UNBLOCK, &term, NULL);
            int r = sd_notify(0, "READY=1\\nSTATUS=started by sd_notify");
            if (r <= 0) { fprintf(stderr, "sd_notify: %d\\n", r); return 1; }
            r = sd_notifyf(0, "WATCHDOG=1\\nSTATUS=ping %d", 1);
            if (r <= 0) { fprintf(stderr, "sd_notifyf: %d\\n", r); return 1; }
            for (;;) pause();  /* alive until the test has read both messages and sends SIGTERM */
            return 0;
        }
        """.write(toFile: source, atomically: true, encoding: .utf8)
        let compile = try await runToEnd("/usr/bin/cc", ["-o", program, source, "-lsystemd"])
        #expect(compile == 0)
        guard compile == 0 else { return }

        let socket = try NotifySocket(path: directory + "/notify.sock", reactor: reactor)
        defer { socket.close() }
        let sender = Process()
        sender.executableURL = URL(fileURLWithPath: program)
        sender.environment = ["NOTIFY_SOCKET": socket.path]
        // Told to end by a signal, not by closing its stdin: a child that another test spawns meanwhile may inherit
        // the pipe's write end (seen in CI: Chromium held it, and the sender never saw EOF).
        try sender.run()
        let first = await nextMessage(socket)
        let second = await nextMessage(socket)
        kill(sender.processIdentifier, SIGTERM)
        let status = await sender.exited()
        let ready = try #require(first)
        let ping = try #require(second)
        #expect(status == 0)
        #expect(ready.isReady && ready.status == "started by sd_notify")
        #expect(ping.isWatchdog && ping.status == "ping 1")
        #expect(ready.senderPID == sender.processIdentifier)
        #expect(ready.senderProcessGroup == sender.processIdentifier || ready.senderProcessGroup == getpgrp())
    }
}

// MARK: - Helpers

private let libsystemdAvailable =
    FileManager.default.fileExists(atPath: "/usr/include/systemd/sd-daemon.h")
    && FileManager.default.isExecutableFile(atPath: "/usr/bin/cc")

private struct SendError: Error {
    var call: String
    var code: Int32
}

/// A fresh path under a per-test directory in /tmp (short: AF_UNIX paths hold 107 bytes).
private func scratchPath(_ name: String) throws -> String {
    let directory = "/tmp/grace-notify-" + String(UUID().uuidString.prefix(8))
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    return directory + "/" + name
}

/// Removes the per-test directory `scratchPath` made.
private func removeScratch(_ path: String) {
    var directory = path
    while let slash = directory.lastIndex(of: "/"), !directory[..<slash].hasSuffix("/tmp") {
        directory = String(directory[..<slash])
    }
    guard directory.hasPrefix("/tmp/grace-notify-") else { return }
    try? FileManager.default.removeItem(atPath: directory)
}

private func unixAddress(_ path: String) -> sockaddr_un {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
    }
    return address
}

/// Sends one datagram to `path` the way sd_notify does, optionally passing a descriptor with SCM_RIGHTS.
private func sendDatagram(_ bytes: [UInt8], to path: String, passing descriptor: Int32? = nil) throws {
    let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw SendError(call: "socket", code: errno) }
    defer { _ = Glibc.close(fd) }
    var size = Int32(1 << 20)
    _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    var address = unixAddress(path)
    var payload = bytes
    let control = UnsafeMutableRawPointer.allocate(byteCount: 32, alignment: 8)
    defer { control.deallocate() }
    control.initializeMemory(as: UInt8.self, repeating: 0, count: 32)
    let sent = withUnsafeMutablePointer(to: &address) { addressPointer in
        payload.withUnsafeMutableBytes { raw in
            var vector = iovec(iov_base: raw.baseAddress, iov_len: raw.count)
            return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                var header = msghdr()
                header.msg_name = UnsafeMutableRawPointer(addressPointer)
                header.msg_namelen = socklen_t(MemoryLayout<sockaddr_un>.size)
                header.msg_iov = vectorPointer
                header.msg_iovlen = 1
                if let descriptor {
                    // struct cmsghdr { size_t len; int level; int type; } then the int, padded to 8.
                    control.storeBytes(of: 16 + 4, toByteOffset: 0, as: Int.self)
                    control.storeBytes(of: SOL_SOCKET, toByteOffset: 8, as: Int32.self)
                    control.storeBytes(of: Int32(SCM_RIGHTS), toByteOffset: 12, as: Int32.self)
                    control.storeBytes(of: descriptor, toByteOffset: 16, as: Int32.self)
                    header.msg_control = control
                    header.msg_controllen = 24
                }
                return sendmsg(fd, &header, Int32(MSG_NOSIGNAL))
            }
        }
    }
    guard sent >= 0 else { throw SendError(call: "sendmsg", code: errno) }
}

/// The next message on the socket, or nil when none arrives within `limit`.
private func nextMessage(_ socket: NotifySocket, within limit: Duration = TestWait.standard) async -> NotifyMessage? {
    await withTaskGroup(of: NotifyMessage?.self) { group in
        group.addTask {
            for await message in socket.messages { return message }
            return nil
        }
        group.addTask {
            try? await Task.sleep(for: limit)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

/// Runs a command to completion; its exit status.
private func runToEnd(_ executable: String, _ arguments: [String]) async throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    try process.run()
    return await process.exited()
}
