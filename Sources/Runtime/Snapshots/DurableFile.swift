import Foundation

/// The few system calls the store needs, made directly so that every write can be fsynced and every rename made
/// durable by fsyncing its directory. Each failure becomes a `SnapshotError.io` naming the call and the path.
enum DurableFile {
    /// What `lstat` says a path is.
    enum Kind: Equatable {
        case missing, regular, directory, symlink, socket, fifo, device
    }

    static func kind(_ path: String) throws -> Kind {
        guard let info = try status(path) else { return .missing }
        return kind(mode: info.st_mode)
    }

    static func kind(mode: mode_t) -> Kind {
        switch mode & S_IFMT {
        case S_IFREG: .regular
        case S_IFDIR: .directory
        case S_IFLNK: .symlink
        case S_IFSOCK: .socket
        case S_IFIFO: .fifo
        default: .device
        }
    }

    /// `lstat`, or nil when nothing is there.
    static func status(_ path: String) throws -> stat? {
        var info = stat()
        if lstat(path, &info) == 0 { return info }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw SnapshotError.io(operation: "lstat", path: path, errno: errno)
    }

    /// Opens for reading without following a symbolic link in the last component.
    static func openForReading(_ path: String) throws -> Int32 {
        let fd = retrying { open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) }
        guard fd >= 0 else { throw SnapshotError.io(operation: "open", path: path, errno: errno) }
        return fd
    }

    /// Creates a new file that must not exist yet (a temporary name), private until it is complete.
    static func create(_ path: String) throws -> Int32 {
        let fd = retrying { open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600) }
        guard fd >= 0 else { throw SnapshotError.io(operation: "create", path: path, errno: errno) }
        return fd
    }

    /// Reads until `buffer` is full or the file ends; returns how many bytes were read.
    static func fill(_ fd: Int32, _ buffer: inout [UInt8], path: String) throws -> Int {
        var total = 0
        while total < buffer.count {
            let n = buffer.withUnsafeMutableBytes { raw in
                retrying { read(fd, raw.baseAddress! + total, raw.count - total) }
            }
            if n < 0 { throw SnapshotError.io(operation: "read", path: path, errno: errno) }
            if n == 0 { break }
            total += n
        }
        return total
    }

    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = retrying { Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset) }
            if n < 0 { throw SnapshotError.io(operation: "write", path: path, errno: errno) }
            offset += n
        }
    }

    static func sync(_ fd: Int32, path: String) throws {
        guard fsync(fd) == 0 else { throw SnapshotError.io(operation: "fsync", path: path, errno: errno) }
    }

    /// Makes the renames and unlinks done in a directory durable.
    static func syncDirectory(_ path: String) throws {
        let fd = retrying { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { throw SnapshotError.io(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        try sync(fd, path: path)
    }

    /// The whole file.
    static func readAll(_ path: String) throws -> [UInt8] {
        let fd = try openForReading(path)
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = try fill(fd, &buffer, path: path)
            result.append(contentsOf: buffer[0..<n])
            if n < buffer.count { return result }
        }
    }

    /// Writes `bytes` under a temporary name in the same directory, fsyncs it and renames it to `path`. The caller
    /// fsyncs the directory (once, after a batch) to make the rename durable.
    static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = directory + "/" + temporaryName(for: (path as NSString).lastPathComponent)
        let fd = try create(temporary)
        do {
            try bytes.withUnsafeBytes { try write(fd, $0, path: temporary) }
            guard fchmod(fd, mode) == 0 else {
                throw SnapshotError.io(operation: "chmod", path: temporary, errno: errno)
            }
            try sync(fd, path: temporary)
            close(fd)
            try rename(temporary, to: path)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
    }

    /// `.tmp-<random>-<name>`: hidden, unique, and recognisable as debris of an interrupted write.
    static func temporaryName(for name: String) -> String {
        temporaryPrefix + String(UInt64.random(in: 0...UInt64.max), radix: 16) + "-" + name.prefix(64)
    }

    static let temporaryPrefix = ".tmp-"

    static func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw SnapshotError.io(operation: "rename", path: to, errno: errno) }
    }

    /// Removes a file; one that is already gone is fine.
    static func remove(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw SnapshotError.io(operation: "unlink", path: path, errno: errno)
        }
    }

    /// Creates a directory; one that exists already is fine.
    static func makeDirectory(_ path: String) throws {
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            throw SnapshotError.io(operation: "mkdir", path: path, errno: errno)
        }
    }

    /// The entries of a directory, sorted, without `.` and `..`.
    static func entries(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else {
            throw SnapshotError.io(operation: "opendir", path: path, errno: errno)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The canonical path (symbolic links resolved), or nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func retrying<T: BinaryInteger>(_ call: () -> T) -> T {
        while true {
            let result = call()
            if result >= 0 || errno != EINTR { return result }
        }
    }
}
