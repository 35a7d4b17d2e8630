/// One `sd_notify(3)` datagram: newline-separated `KEY=VALUE` assignments such as `READY=1`, `WATCHDOG=1`,
/// `STATUS=...`, `STOPPING=1`, `RELOADING=1`, `MAINPID=...`, `ERRNO=...`, `WATCHDOG_USEC=...`,
/// `EXTEND_TIMEOUT_USEC=...`.
///
/// Parsing follows systemd's service manager: a datagram with a NUL byte or invalid UTF-8 is dropped whole,
/// lines that are not assignments are skipped, the first assignment of a key wins, and file-descriptor-store
/// keys (`FDSTORE`, `FDSTOREREMOVE`, `FDNAME`, `FDPOLL`) are ignored because Grace keeps no descriptor store.
/// `BARRIER=1` (sent by `systemd-notify` and `sd_notify_barrier(3)`, with a pipe the sender waits on) is
/// ignored here too: the socket answers it by closing the passed descriptors as soon as the datagram is read.
public struct NotifyMessage: Sendable, Equatable {
    /// The largest datagram accepted, as systemd's `NOTIFY_BUFFER_MAX`.
    public static let maximumSize = 4096

    /// The sending process, from the kernel-verified `SCM_CREDENTIALS`; nil when the datagram carried none.
    public var senderPID: Int32?
    /// The sender's process group, looked up by the socket's reader the moment the datagram was read, so that
    /// a sender which exits right after sending (`systemd-notify`, released by its barrier as soon as the
    /// datagram is read) can still be attributed to its kernel. nil when unknown: the sender had already exited,
    /// or the message did not come from a socket.
    public var senderProcessGroup: Int32?
    /// Every assignment of the datagram, keys as sent.
    public var fields: [String: String]

    /// A message from its parsed fields and its sender's credentials.
    public init(senderPID: Int32?, senderProcessGroup: Int32? = nil, fields: [String: String]) {
        self.senderPID = senderPID
        self.senderProcessGroup = senderProcessGroup
        self.fields = fields
    }

    /// `READY=1`: start-up is finished.
    public var isReady: Bool { fields["READY"] == "1" }
    /// `WATCHDOG=1`: a keep-alive ping.
    public var isWatchdog: Bool { fields["WATCHDOG"] == "1" }
    /// `WATCHDOG=trigger`: the service asks to be treated as if its watchdog had expired.
    public var isWatchdogTrigger: Bool { fields["WATCHDOG"] == "trigger" }
    /// `STOPPING=1`: the service is shutting down of its own accord.
    public var isStopping: Bool { fields["STOPPING"] == "1" }
    /// `RELOADING=1`: the service is reloading its configuration (`READY=1` follows when done).
    public var isReloading: Bool { fields["RELOADING"] == "1" }
    /// `STATUS=...`: free-form status text for humans.
    public var status: String? { fields["STATUS"] }
    /// `MAINPID=...`: the service's main process, when it is not the process Grace started.
    public var mainPID: Int32? { fields["MAINPID"].flatMap { Int32($0) }.flatMap { $0 > 0 ? $0 : nil } }
    /// `ERRNO=...`: the errno-style reason of a failure.
    public var errorNumber: Int32? { fields["ERRNO"].flatMap { Int32($0) } }
    /// `WATCHDOG_USEC=...`: the service resets its watchdog interval.
    public var watchdogInterval: Duration? { microseconds("WATCHDOG_USEC") }
    /// `EXTEND_TIMEOUT_USEC=...`: the service asks for more time to start or stop.
    public var extendTimeout: Duration? { microseconds("EXTEND_TIMEOUT_USEC") }

    private static let ignoredKeys: Set<String> = ["FDSTORE", "FDSTOREREMOVE", "FDNAME", "FDPOLL", "BARRIER"]

    /// Parses one datagram; nil when it is empty, larger than `maximumSize`, not UTF-8, contains a NUL byte,
    /// or holds no assignment Grace uses.
    public static func parse(_ datagram: [UInt8], senderPID: Int32?) -> NotifyMessage? {
        guard !datagram.isEmpty, datagram.count <= maximumSize, !datagram.contains(0),
            let text = String(validating: datagram, as: UTF8.self)
        else { return nil }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals])
            guard isValidKey(key), !ignoredKeys.contains(key), fields[key] == nil else { continue }
            fields[key] = String(line[line.index(after: equals)...])
        }
        guard !fields.isEmpty else { return nil }
        return NotifyMessage(senderPID: senderPID, fields: fields)
    }

    /// An environment-style name: ASCII letters, digits and `_`, not starting with a digit.
    private static func isValidKey(_ key: String) -> Bool {
        guard let first = key.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            return false
        }
        return key.utf8.allSatisfy { c in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) || c == UInt8(ascii: "_")
        }
    }

    private func microseconds(_ key: String) -> Duration? {
        fields[key].flatMap { UInt64($0) }.map { .microseconds(Int64(clamping: $0)) }
    }
}
