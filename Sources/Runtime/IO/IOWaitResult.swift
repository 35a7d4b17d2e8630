/// How a one-shot wait on the reactor (``IOReactor/readable(_:until:)``, ``IOReactor/writable(_:until:)``) ended.
public enum IOWaitResult: Sendable, Equatable {
    /// The descriptor became ready; the events say how (an error or hang-up counts as ready: the next call on the
    /// descriptor reports it).
    case ready(IOEvents)
    /// The deadline passed first.
    case timedOut
    /// The waiting task was cancelled.
    case cancelled
    /// epoll refused the descriptor (`EBADF`, `EPERM` for a regular file, ...).
    case failed(errno: Int32)
}
