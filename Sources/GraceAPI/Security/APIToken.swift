import Foundation

/// The bearer token of the API: `<state_dir>/api.token`, 64 lowercase hex characters (32 bytes from the
/// system's CSPRNG), mode 0600, created atomically at first start and reused afterwards.
struct APIToken: Sendable {
    let value: String
    let path: String

    enum Failure: Error, CustomStringConvertible {
        case io(String, path: String, errno: Int32)
        case malformed(path: String)

        var description: String {
            switch self {
            case .io(let what, let path, let code): "cannot \(what) \(path): \(String(cString: strerror(code)))"
            case .malformed(let path):
                "\(path) does not hold a 64-character hex token; delete it to have a new one made"
            }
        }
    }

    /// Reads the token file, or creates it: written to a temporary file with mode 0600, then linked into place
    /// (link fails when another process won the race, and then its token is read).
    static func loadOrCreate(stateDirectory: URL) throws -> APIToken {
        let path = stateDirectory.appendingPathComponent("api.token").path
        if let existing = try read(path) { return existing }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let token = bytes.map { String(format: "%02x", $0) }.joined()
        let temporary = path + ".\(getpid()).tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure.io("create", path: temporary, errno: errno) }
        let data = Array((token + "\n").utf8)
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        let writeError = written == data.count && synced == 0 ? 0 : (written < 0 || synced != 0 ? errno : EIO)
        close(fd)
        defer { unlink(temporary) }
        guard writeError == 0 else { throw Failure.io("write", path: temporary, errno: writeError) }
        if link(temporary, path) != 0 {
            let linkError = errno
            guard linkError == EEXIST, let other = try read(path) else {
                throw Failure.io("create", path: path, errno: linkError)
            }
            return other
        }
        // The new name must survive a crash: sync the directory entry too.
        let directory = open(stateDirectory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
        return APIToken(value: token, path: path)
    }

    private static func read(_ path: String) throws -> APIToken? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure.io("read", path: path, errno: errno)
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count == 64, text.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw Failure.malformed(path: path)
        }
        // A token readable by others is no secret: tighten the mode of a file that was copied around.
        chmod(path, 0o600)
        return APIToken(value: text, path: path)
    }

    /// Whether an `Authorization` header value carries this token; compares in constant time.
    func accepts(authorization: String?) -> Bool {
        guard let authorization else { return false }
        let prefix = "bearer "
        guard authorization.count > prefix.count, authorization.lowercased().hasPrefix(prefix) else { return false }
        let presented = authorization.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
        return Self.constantTimeEquals(Array(presented.utf8), Array(value.utf8))
    }

    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<b.count {
            difference |= (i < a.count ? a[i] : 0) ^ b[i]
        }
        return difference == 0
    }
}
