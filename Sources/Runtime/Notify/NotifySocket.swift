import Foundation
import Glibc
import Synchronization

/// The receiving end of the systemd notify protocol for one kernel: an AF_UNIX datagram socket bound at a path,
/// which the supervisor puts into the kernel's environment as `NOTIFY_SOCKET`.
///
/// Anything that speaks `sd_notify(3)` works against it: libsystemd's `sd_notify`/`sd_pid_notify`, the
/// `systemd-notify` tool, a hand-written `sendto`. Datagrams are read on the ``IOReactor``'s thread when the
/// socket is readable (no thread of its own, nothing spent while idle), parsed and delivered on `messages`; a
/// datagram larger than `NotifyMessage.maximumSize` or that does not parse is dropped. File descriptors sent
/// along are closed at once: Grace keeps no descriptor store (`FDSTORE=1`), and closing is what answers a
/// `BARRIER=1` (the real `systemd-notify` sends one after its message and waits, up to 5 s, for its pipe to be
/// closed).
///
/// Who may notify: Grace accepts notifications from any process of the kernel's process group, like systemd's
/// `NotifyAccess=all`, not only from the main process, because `systemd-notify` sends from its own PID (a child
/// of the kernel's shell) and helpers of a service notify for it. The socket itself does not filter: every
/// message carries `senderPID` from `SO_PASSCRED`/`SCM_CREDENTIALS`, which the kernel verifies (a process can
/// claim another PID only with CAP_SYS_ADMIN), and `senderProcessGroup`, looked up as the datagram is read
/// (before any barrier is released, while the sender still exists). The supervisor drops messages whose sender
/// is not the kernel's main process and whose `senderProcessGroup` is not the kernel's process group.
///
/// Permissions: the socket file is mode 0666, as systemd's own `/run/systemd/notify`. A kernel may run as
/// another user (`user:`) and must still be able to connect; since the sender's PID is checked for every message,
/// write access alone grants nothing. Parent directories that have to be created get mode 0755; the supervisor
/// must keep the directory traversable by the kernel's user.
public final class NotifySocket: Sendable {
    /// The socket's path: what goes into the kernel's `NOTIFY_SOCKET`.
    public let path: String
    /// Parsed notifications, in arrival order; finishes after `close()`. One consumer. When the consumer falls
    /// behind by more than 1024 messages the oldest are dropped (a watchdog ping flood cannot grow memory).
    public let messages: AsyncStream<NotifyMessage>

    private let reactor: IOReactor
    private let registration: IOReactor.Registration
    /// The inode bound at `path`, so that `close()` never unlinks a socket that has replaced ours.
    private let boundFile: (device: UInt64, inode: UInt64)
    private let continuation: AsyncStream<NotifyMessage>.Continuation
    private let closed = Mutex(false)

    /// Datagrams read per readiness at most: a fair share of the reactor for a kernel that floods its socket
    /// (level-triggered epoll reports the rest at once).
    static let datagramsPerWakeup = 64

    /// Binds a datagram socket at `path`, replacing a stale socket left by a Grace that died, creating missing
    /// parent directories, and starts reading on `reactor`.
    public init(path: String, reactor: IOReactor) throws(NotifySocketError) {
        guard path.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else {
            throw .pathTooLong(path: path)
        }
        self.path = path
        self.reactor = reactor
        try Self.prepare(path)

        let type = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(AF_UNIX, type, 0)
        guard fd >= 0 else { throw .system(call: "socket", errno: errno, path: path) }
        // Credentials on before bind, so that not even the first datagram arrives without its sender.
        var on: Int32 = 1
        guard setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            let code = errno
            _ = Glibc.close(fd)
            throw .system(call: "setsockopt(SO_PASSCRED)", errno: code, path: path)
        }
        var address = Self.address(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        var failure: NotifySocketError?
        if bound != 0 {
            failure = errno == EADDRINUSE ? .inUse(path: path) : .system(call: "bind", errno: errno, path: path)
        } else if chmod(path, 0o666) != 0 {
            failure = .system(call: "chmod", errno: errno, path: path)
        }
        var info = stat()
        if failure == nil && lstat(path, &info) != 0 { failure = .system(call: "stat", errno: errno, path: path) }
        if let failure {
            _ = Glibc.close(fd)
            if bound == 0 { unlink(path) }
            throw failure
        }
        boundFile = (UInt64(info.st_dev), UInt64(info.st_ino))
        let (messages, continuation) = AsyncStream.makeStream(
            of: NotifyMessage.self, bufferingPolicy: .bufferingNewest(1024))
        self.messages = messages
        self.continuation = continuation

        // The handler holds only the descriptor and the continuation, never `self`, so that dropping the last
        // reference still closes the socket through `deinit`. The reactor closes the descriptor after the
        // handler's last run, so it is never closed (and its number reused) under a receive.
        do {
            registration = try reactor.register(
                fd, for: .readable,
                handler: { _ in
                    Self.drain(fd, into: continuation)
                    return .keep
                },
                onRemove: { _ = Glibc.close(fd) })
        } catch {
            _ = Glibc.close(fd)
            unlink(path)
            switch error {
            case .system(let call, let code): throw .system(call: call, errno: code, path: path)
            }
        }
    }

    deinit {
        close()
    }

    /// Stops reading, unlinks the path and finishes `messages`. Idempotent, and never waits: the reactor closes
    /// the socket itself once its handler can no longer run.
    public func close() {
        let first = closed.withLock { wasClosed in
            defer { wasClosed = true }
            return !wasClosed
        }
        guard first else { return }
        reactor.deregister(registration)
        var info = stat()
        if lstat(path, &info) == 0, UInt64(info.st_dev) == boundFile.device, UInt64(info.st_ino) == boundFile.inode {
            unlink(path)
        }
        continuation.finish()
    }

    // MARK: - Binding

    private static func address(_ path: String) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        return address
    }

    /// Creates the parent directory and removes a stale socket. A socket that still answers belongs to a live
    /// process and is left alone.
    private static func prepare(_ path: String) throws(NotifySocketError) {
        try makeDirectories((path as NSString).deletingLastPathComponent)
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else { throw .notASocket(path: path) }
        let probe = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if probe >= 0 {
            var address = Self.address(path)
            let answered = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            _ = Glibc.close(probe)
            if answered == 0 { throw .inUse(path: path) }
        }
        guard unlink(path) == 0 || errno == ENOENT else { throw .system(call: "unlink", errno: errno, path: path) }
    }

    /// `mkdir -p` with mode 0755 for what it creates.
    private static func makeDirectories(_ directory: String) throws(NotifySocketError) {
        guard !directory.isEmpty, directory != "/" else { return }
        var info = stat()
        if stat(directory, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw .system(call: "mkdir", errno: ENOTDIR, path: directory)
            }
            return
        }
        try makeDirectories((directory as NSString).deletingLastPathComponent)
        guard mkdir(directory, 0o755) == 0 || errno == EEXIST else {
            throw .system(call: "mkdir", errno: errno, path: directory)
        }
    }

    // MARK: - Reading

    /// Receives what is queued, up to a fair share, on the reactor thread. The buffers live for one readiness
    /// only: a thousand idle sockets hold none.
    private static func drain(_ fd: Int32, into continuation: AsyncStream<NotifyMessage>.Continuation) {
        // One byte more than the limit is not needed: MSG_TRUNC in msg_flags says the datagram was larger.
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: NotifyMessage.maximumSize, alignment: 8)
        // Credentials plus room for the most descriptors one message can pass (SCM_MAX_FD, 253).
        let controlSize = 2048
        let control = UnsafeMutableRawPointer.allocate(byteCount: controlSize, alignment: 8)
        defer {
            buffer.deallocate()
            control.deallocate()
        }
        for _ in 0..<datagramsPerWakeup {
            guard let message = receive(fd, buffer: buffer, control: control, controlSize: controlSize) else { return }
            if let parsed = message { continuation.yield(parsed) }
        }
    }

    /// Receives one datagram without blocking. nil when none is queued; `.some(nil)` for a datagram dropped.
    private static func receive(
        _ fd: Int32, buffer: UnsafeMutableRawPointer, control: UnsafeMutableRawPointer, controlSize: Int
    ) -> NotifyMessage?? {
        var vector = iovec(iov_base: buffer, iov_len: NotifyMessage.maximumSize)
        return withUnsafeMutablePointer(to: &vector) { vectorPointer -> NotifyMessage?? in
            var header = msghdr()
            header.msg_iov = vectorPointer
            header.msg_iovlen = 1
            header.msg_control = control
            header.msg_controllen = controlSize
            let count = recvmsg(fd, &header, Int32(MSG_DONTWAIT) | Int32(MSG_CMSG_CLOEXEC))
            if count < 0 {
                let code = errno
                if code == EINTR { return .some(nil) }
                return nil  // EAGAIN: drained; anything else: wait for the next readiness
            }
            let (senderPID, descriptors) = controlMessages(control, length: Int(header.msg_controllen))
            // Look the sender up before closing what it passed: closing a barrier pipe lets it exit.
            let group = senderPID.map { getpgid($0) }.flatMap { $0 > 0 ? $0 : nil }
            for descriptor in descriptors { _ = Glibc.close(descriptor) }
            if header.msg_flags & Int32(MSG_TRUNC) != 0 { return .some(nil) }
            let bytes = [UInt8](UnsafeRawBufferPointer(start: buffer, count: count))
            guard var message = NotifyMessage.parse(bytes, senderPID: senderPID) else { return .some(nil) }
            message.senderProcessGroup = group
            return .some(message)
        }
    }

    /// SCM_CREDENTIALS and `struct ucred` (pid, uid, gid: 12 bytes) need _GNU_SOURCE, which Swift's Glibc
    /// module does not define; their Linux values are fixed ABI.
    private static let scmCredentials: Int32 = 2

    /// Walks the ancillary data (the CMSG_* macros are not available to Swift): returns the sender's PID from
    /// SCM_CREDENTIALS and every descriptor passed with SCM_RIGHTS (which the caller closes).
    private static func controlMessages(
        _ control: UnsafeMutableRawPointer, length: Int
    ) -> (pid: Int32?, descriptors: [Int32]) {
        var descriptors: [Int32] = []
        let word = MemoryLayout<Int>.size
        func align(_ n: Int) -> Int { (n + word - 1) & ~(word - 1) }
        let headerSize = MemoryLayout<cmsghdr>.size
        var pid: Int32?
        var offset = 0
        while offset + headerSize <= length {
            let header = control.load(fromByteOffset: offset, as: cmsghdr.self)
            let total = Int(header.cmsg_len)
            guard total >= headerSize, offset + total <= length else { break }
            let data = offset + align(headerSize)
            let dataLength = total - align(headerSize)
            if header.cmsg_level == SOL_SOCKET {
                if header.cmsg_type == scmCredentials, dataLength >= 12 {
                    let sender = control.loadUnaligned(fromByteOffset: data, as: Int32.self)
                    if sender > 0 { pid = sender }
                } else if header.cmsg_type == Int32(SCM_RIGHTS) {
                    for i in 0..<(max(dataLength, 0) / MemoryLayout<Int32>.size) {
                        descriptors.append(control.loadUnaligned(fromByteOffset: data + i * 4, as: Int32.self))
                    }
                }
            }
            offset += align(total)
        }
        return (pid, descriptors)
    }
}
