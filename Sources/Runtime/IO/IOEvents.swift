import CGraceSystem

/// Readiness of a descriptor, as epoll reports it.
public struct IOEvents: OptionSet, Sendable, Hashable {
    /// The epoll event bits (EPOLLIN, EPOLLOUT, ...).
    public let rawValue: UInt32

    /// Events from their epoll bits.
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Data (or end of file) can be read without blocking.
    public static let readable = IOEvents(rawValue: EPOLLIN.rawValue)
    /// Data can be written without blocking; for a connecting socket, the connection attempt has finished.
    public static let writable = IOEvents(rawValue: EPOLLOUT.rawValue)
    /// The peer hung up (all writers of a pipe closed). Always reported, whatever was asked for.
    public static let hangup = IOEvents(rawValue: EPOLLHUP.rawValue)
    /// An error is pending on the descriptor. Always reported, whatever was asked for.
    public static let error = IOEvents(rawValue: EPOLLERR.rawValue)
}
