import Foundation
import Glibc

// The --cache directory: scratch files the service may lose at any time (what an operator purges when the disk is
// full), and the `fill` fault that fills its file system.

extension Service {
    /// Why /healthz fails because of the cache, or nil: the cache's file system refused a write and nothing has fit
    /// since.
    var cacheFailure: String? {
        guard let cache = options.cacheDir, faultState.withLock({ $0.cacheFull }) else { return nil }
        return "cache \(cache) is full (no space left on device)"
    }

    /// `POST /fault/fill`: a thread writes `mib`-MiB files into the cache until a write fails or `max` MiB are
    /// written.
    func startFill(mib: Int, max: Int) throws(FaultError) -> String {
        guard let cache = options.cacheDir else {
            throw FaultError(409, "no cache directory: this instance runs without --cache")
        }
        let generation = faultState.withLock { faults in
            faults.fillGeneration += 1
            return faults.fillGeneration
        }
        let message = "filling \(cache) with \(mib) MiB files until its file system is full or \(max) MiB are written"
        log.fault.warning("fault injected: \(message)")
        Thread.detachNewThread { [self] in
            let block = [UInt8](repeating: 0x5A, count: mib << 20)
            var written = 0
            var index = 0
            while written < max {
                hangGate.checkpoint()
                guard faultState.withLock({ $0.fillGeneration == generation }) else { return }
                var path: String
                repeat {
                    index += 1
                    path = (cache as NSString).appendingPathComponent(String(format: "fill-%06d.bin", index))
                } while FileManager.default.fileExists(atPath: path)
                if let error = Self.write(block, to: path) {
                    return cacheWriteFailed(path: path, errno: error)
                }
                written += mib
            }
            log.cache.warning("cache fill stopped after \(written) MiB: the file system of \(cache) did not fill up")
        }
        return message
    }

    /// A write to the cache failed: out of space is the cache-full failure mode (503 until a write fits again).
    func cacheWriteFailed(path: String, errno error: Int32) {
        let reason = String(cString: strerror(error))
        guard error == ENOSPC || error == EDQUOT else {
            return log.cache.error("write to \(path) failed: \(reason)")
        }
        let first = faultState.withLock { faults in
            defer { faults.cacheFull = true }
            return !faults.cacheFull
        }
        log.cache.error("write to \(path) failed: \(reason); the cache file system is full")
        if first { log.main.error("health degraded: \(cacheFailure ?? "cache full"), answering 503 on /healthz") }
    }

    /// Every second while the cache is full: does a small write fit again? (Somebody freed space.) Every 30 s the
    /// failure is logged again, so that a fix that did not work is noticed.
    func checkCacheSpace(now: Double, lastReport: inout Double) {
        guard let cache = options.cacheDir, faultState.withLock({ $0.cacheFull }) else { return }
        let probe = (cache as NSString).appendingPathComponent(".grace-demo-space-check")
        if let error = Self.write([UInt8](repeating: 0, count: 64 << 10), to: probe) {
            unlink(probe)
            if now - lastReport >= 30 {
                lastReport = now
                log.cache.error(
                    "write to \(probe) failed: \(String(cString: strerror(error))); the cache file system is full")
            }
            return
        }
        unlink(probe)
        faultState.withLock { $0.cacheFull = false }
        log.cache.info("cache \(cache) is writable again; healthy")
    }

    /// Creates the cache directory at start; exits 1 if it cannot.
    func openCache() {
        guard let cache = options.cacheDir else { return }
        do {
            try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        } catch {
            log.cache.error("cannot create cache directory \(cache): \(error.localizedDescription)")
            exit(1)
        }
    }

    /// Writes `bytes` to a new file at `path`; the errno of the failure, or nil.
    static func write(_ bytes: [UInt8], to path: String) -> Int32? {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return errno }
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 {
                let error = count < 0 ? errno : ENOSPC
                close(fd)
                return error
            }
            offset += count
        }
        return close(fd) == 0 ? nil : errno
    }
}
