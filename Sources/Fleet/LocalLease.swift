import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The lease of a fleet whose instances share one host: an exclusive `flock` on a lock file. The kernel releases
/// it the instant its holder dies, so a crash is known at once, not after a TTL. A holder that hangs (SIGSTOP, a
/// deadlock) keeps the lock, so the holder also writes the time of each renewal into the file: a standby that sees
/// it older than `ttl` fences the holder (see `FleetMember`).
///
/// The file holds one JSON record padded to a fixed size and written with a single `pwrite`, so a reader never
/// sees half of one. Its `generation` grows with every new holding: the fencing token. Beside it,
/// `PATH.members/NAME` holds each present member's claim under a lock of its own, and `PATH.notices/` the fleet's
/// notices (one file each, replaced atomically).
///
/// Written on POSIX calls directly rather than through a package: no package on the machine offers `flock`.
public actor LocalLease: LeaseBackend {
    /// What the lock file holds.
    struct Record: Codable {
        var claim: LeaseClaim
        var generation: UInt64
        /// Seconds since 1970 of the holder's last renewal; 0 once it released the lease.
        var renewed: Double
    }

    static let recordSize = 4096

    private let path: String
    private let lockFD: Int32
    private var watchFD: Int32 = -1
    private var memberFD: Int32 = -1
    private var memberName: String?
    private var held: Record?

    /// Held until the holder dies or releases it: a slow holder is not deposed by time, a frozen one is fenced.
    public nonisolated var lapses: Bool { false }

    /// Opens (creating it and its directories when missing) the lock file at `path`.
    public init(path: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        for d in [directory, path + ".members", path + ".notices"] where !d.isEmpty {
            try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LeaseBackendError("cannot open the lock file \(path): \(Self.errorText())") }
        lockFD = fd
    }

    /// An exclusive `flock` without waiting; the new holding's generation is the token.
    public func acquire(_ claim: LeaseClaim) async throws -> UInt64? {
        if let held { return held.generation }
        guard flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            if errno == EWOULDBLOCK { return nil }
            throw LeaseBackendError("flock \(path): \(Self.errorText())")
        }
        let previous: Record? = Self.read(lockFD)
        let record = Record(
            claim: claim, generation: (previous?.generation ?? 0) + 1, renewed: Date().timeIntervalSince1970)
        do {
            try Self.write(record, to: lockFD)
        } catch {
            flock(lockFD, LOCK_UN)
            throw error
        }
        held = record
        return record.generation
    }

    /// Writes the renewal time into the lock file; false when this value holds no lease.
    public func renew() async throws -> Bool {
        guard var record = held else { return false }
        record.renewed = Date().timeIntervalSince1970
        try Self.write(record, to: lockFD)
        held = record
        return true
    }

    /// Marks the record released and unlocks (the generation stays for the next holder to count on).
    public func release() async throws {
        guard var record = held else { return }
        record.renewed = 0
        try? Self.write(record, to: lockFD)
        flock(lockFD, LOCK_UN)
        held = nil
    }

    /// The record of whoever holds the lock now, nil when nobody does.
    public func holder() async throws -> LeaseHolder? {
        if let held { return Self.holder(held) }
        let fd = try watchDescriptor()
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        guard errno == EWOULDBLOCK else { throw LeaseBackendError("flock \(path): \(Self.errorText())") }
        guard let record: Record = Self.read(fd) else {
            throw LeaseBackendError("the lock file \(path) is held but its record is unreadable")
        }
        return Self.holder(record)
    }

    /// Polls a shared lock every 10 ms until the holder is gone (or `timeout`).
    public func waitForRelease(timeout: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        // A shared lock is granted only while nobody holds the exclusive one; polling it every 10 ms costs one
        // system call and sees a dead holder within 10 ms (a blocking flock could not be cancelled).
        while clock.now < deadline {
            if held != nil { break }
            if let fd = try? watchDescriptor(), flock(fd, LOCK_SH | LOCK_NB) == 0 {
                flock(fd, LOCK_UN)
                return
            }
            try? await Task.sleep(for: min(.milliseconds(10), deadline - clock.now))
            if Task.isCancelled { return }
        }
    }

    /// Locks `PATH.members/NAME` for as long as this value lives; throws when that instance is already present.
    public func join(_ claim: LeaseClaim) async throws {
        if memberFD >= 0 {
            try Self.write(claim, to: memberFD)
            return
        }
        let file = membersDirectory + "/" + claim.instance
        let fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LeaseBackendError("cannot open \(file): \(Self.errorText())") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(fd)
            throw LeaseBackendError("instance `\(claim.instance)` is already present in this fleet (\(file) is locked)")
        }
        try Self.write(claim, to: fd)
        memberFD = fd
        memberName = claim.instance
    }

    /// The members whose lock is held (this one included).
    public func members() async throws -> [LeaseClaim] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: membersDirectory)) ?? []
        var claims: [LeaseClaim] = []
        for name in names.sorted() {
            if name == memberName, memberFD >= 0 {
                if let claim: LeaseClaim = Self.read(memberFD) { claims.append(claim) }
                continue
            }
            let fd = open(membersDirectory + "/" + name, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { Glibc.close(fd) }
            if flock(fd, LOCK_SH | LOCK_NB) == 0 {
                flock(fd, LOCK_UN)
                continue  // nobody holds it: that member is gone
            }
            if let claim: LeaseClaim = Self.read(fd) { claims.append(claim) }
        }
        return claims
    }

    /// Writes the notice's file atomically.
    public func putNotice(_ name: String, _ value: Data) async throws {
        let file = noticePath(name)
        do {
            try value.write(to: URL(fileURLWithPath: file), options: .atomic)
        } catch {
            throw LeaseBackendError("cannot write the notice \(file): \(error)")
        }
    }

    /// The notice's file, nil when there is none.
    public func notice(_ name: String) async throws -> Data? {
        FileManager.default.contents(atPath: noticePath(name))
    }

    /// Removes the notice's file.
    public func removeNotice(_ name: String) async throws {
        try? FileManager.default.removeItem(atPath: noticePath(name))
    }

    /// Releases the lease, leaves the membership, closes the descriptors.
    public func close() async {
        try? await release()
        if memberFD >= 0 { Glibc.close(memberFD) }
        memberFD = -1
        memberName = nil
        if watchFD >= 0 { Glibc.close(watchFD) }
        watchFD = -1
    }

    deinit {
        Glibc.close(lockFD)
        if memberFD >= 0 { Glibc.close(memberFD) }
        if watchFD >= 0 { Glibc.close(watchFD) }
    }

    // MARK: - Files

    private var membersDirectory: String { path + ".members" }

    private func noticePath(_ name: String) -> String {
        // Notice names are `kind/instance`; the directory stays flat.
        path + ".notices/" + name.replacingOccurrences(of: "/", with: "--")
    }

    /// A second descriptor of the lock file: a lock taken through it conflicts with this actor's own `lockFD`.
    private func watchDescriptor() throws -> Int32 {
        if watchFD >= 0 { return watchFD }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LeaseBackendError("cannot open the lock file \(path): \(Self.errorText())") }
        watchFD = fd
        return fd
    }

    private static func holder(_ record: Record) -> LeaseHolder {
        LeaseHolder(
            claim: record.claim, token: record.generation,
            renewedAt: record.renewed > 0 ? Date(timeIntervalSince1970: record.renewed) : nil)
    }

    private static func write<T: Encodable>(_ value: T, to fd: Int32) throws {
        var bytes = [UInt8](try JSONEncoder().encode(value))
        guard bytes.count < recordSize else { throw LeaseBackendError("lease record too long (\(bytes.count) bytes)") }
        // Trailing spaces keep the record one fixed-size write and are whitespace to a JSON reader.
        bytes += [UInt8](repeating: 0x20, count: recordSize - bytes.count)
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, recordSize, 0) }
        guard written == recordSize else { throw LeaseBackendError("cannot write the lease record: \(errorText())") }
    }

    private static func read<T: Decodable>(_ fd: Int32) -> T? {
        var buffer = [UInt8](repeating: 0, count: recordSize)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, recordSize, 0) }
        guard count > 0 else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(buffer[0..<count]))
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
