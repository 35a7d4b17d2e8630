import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real headless Chromium driven over the Chrome DevTools Protocol, for end-to-end tests of the dashboard.
///
/// The protocol runs over `--remote-debugging-pipe`: Chromium reads commands from descriptor 3 and writes answers
/// and events to descriptor 4, one JSON message per NUL-terminated frame. Both are one end of a socket pair here
/// (so a write to a browser that died is EPIPE, not SIGPIPE), and there is no port to discover or WebSocket to
/// speak. Chromium runs in a process group of its own, which `close()` kills whole, with its profile in a
/// temporary directory.
///
/// Every call blocks its thread: run them through `GraceBinary.offPool` from async tests.
final class BrowserSession: @unchecked Sendable {
    enum Failure: Error, CustomStringConvertible {
        case launch(String)
        case protocolError(String)
        case timeout(String)
        case closed(String)

        var description: String {
            switch self {
            case .launch(let text): "cannot start chromium: \(text)"
            case .protocolError(let text): "DevTools protocol: \(text)"
            case .timeout(let text): "timed out: \(text)"
            case .closed(let text): "chromium went away: \(text)"
            }
        }
    }

    /// Chromium's executable: `$GRACE_CHROMIUM`, else `chromium` (Debian) or another usual name on the PATH.
    static func executable() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let custom = environment["GRACE_CHROMIUM"], !custom.isEmpty {
            return FileManager.default.isExecutableFile(atPath: custom) ? custom : nil
        }
        let directories = (environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin", "/bin"]
        for name in ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome"] {
            for directory in directories where !directory.isEmpty {
                let path = directory + "/" + name
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
        }
        return nil
    }

    let pid: pid_t
    let profile: URL
    private let socket: Int32
    private let state = NSCondition()
    // Guarded by `state`.
    private var responses: [Int: [String: Any]] = [:]
    private var nextID = 0
    private var readerDone = false
    /// `Page.loadEventFired` events so far: a load is waited for as an event, not polled.
    private var loads = 0
    private var closed = false
    private var messages: [String] = []
    private var sessionID: String?

    /// Starts Chromium headless with a viewport of `width` x `height`.
    init(executable: String, width: Int = 1280, height: Int = 900) throws {
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("grace-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        var arguments = [
            executable, "--headless=new", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--remote-debugging-pipe", "--user-data-dir=\(profile.path)", "--window-size=\(width),\(height)",
            "--disable-extensions", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--disable-dev-shm-usage", "--mute-audio", "--password-store=basic",
            "--hide-scrollbars", "--disable-breakpad", "--disable-crash-reporter",
        ]
        // Chromium's sandbox refuses to run as root; anyone else keeps it.
        if getuid() == 0 { arguments.append("--no-sandbox") }
        arguments.append("about:blank")

        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw Failure.launch("socketpair: \(String(cString: strerror(errno)))")
        }
        // Above 4, so that the dup2 calls below cannot overwrite one another.
        let ours = fcntl(pair[0], F_DUPFD_CLOEXEC, 10)
        let theirs = fcntl(pair[1], F_DUPFD_CLOEXEC, 10)
        Glibc.close(pair[0])
        Glibc.close(pair[1])
        defer { Glibc.close(theirs) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let log = profile.appendingPathComponent("chromium.log").path
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_adddup2(&actions, theirs, 3)
        posix_spawn_file_actions_adddup2(&actions, theirs, 4)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard status == 0 else {
            Glibc.close(ours)
            try? FileManager.default.removeItem(at: profile)
            throw Failure.launch("\(executable): \(String(cString: strerror(status)))")
        }
        pid = child
        socket = ours
        let reader = Thread { [self] in readLoop() }
        reader.name = "chromium-devtools"
        reader.start()
    }

    deinit { close() }

    // MARK: Protocol

    private func readLoop() {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var scanned = 0
        while true {
            let count = chunk.withUnsafeMutableBytes { read(socket, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            buffer.append(contentsOf: chunk[0..<count])
            while let end = buffer[scanned...].firstIndex(of: 0) {
                let frame = Data(buffer[..<end])
                buffer.removeSubrange(...end)
                scanned = 0
                dispatch(frame)
            }
            scanned = buffer.count
        }
        state.lock()
        readerDone = true
        state.broadcast()
        state.unlock()
    }

    private func dispatch(_ frame: Data) {
        guard let message = (try? JSONSerialization.jsonObject(with: frame)) as? [String: Any] else { return }
        state.lock()
        defer { state.unlock() }
        if let id = message["id"] as? Int {
            responses[id] = message
            state.broadcast()
            return
        }
        // Kept for the failure message of a test: what the page said and threw.
        let params = message["params"] as? [String: Any] ?? [:]
        switch message["method"] as? String {
        case "Runtime.consoleAPICalled":
            let args = (params["args"] as? [[String: Any]] ?? []).map { "\($0["value"] ?? $0["description"] ?? "")" }
            messages.append("console.\(params["type"] ?? "log"): \(args.joined(separator: " "))")
        case "Runtime.exceptionThrown":
            let details = params["exceptionDetails"] as? [String: Any] ?? [:]
            let exception = details["exception"] as? [String: Any] ?? [:]
            messages.append("exception: \(exception["description"] ?? details["text"] ?? "?")")
        case "Log.entryAdded":
            let entry = params["entry"] as? [String: Any] ?? [:]
            messages.append("log.\(entry["level"] ?? ""): \(entry["text"] ?? "") \(entry["url"] ?? "")")
        case "Page.loadEventFired":
            loads += 1
            state.broadcast()
        case "Inspector.targetCrashed":
            messages.append("the page crashed")
        default:
            break
        }
        if messages.count > 200 { messages.removeFirst(messages.count - 200) }
    }

    /// Sends a command (to the attached page unless `toBrowser`) and waits for its answer's `result`.
    @discardableResult
    func call(_ method: String, _ params: [String: Any] = [:], toBrowser: Bool = false, timeout: TimeInterval = 30)
        throws -> [String: Any]
    {
        state.lock()
        nextID += 1
        let id = nextID
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if !toBrowser, let sessionID { message["sessionId"] = sessionID }
        let gone = readerDone
        state.unlock()
        if gone { throw Failure.closed("before \(method)") }

        var bytes = [UInt8](try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                send(socket, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { throw Failure.closed("sending \(method): \(String(cString: strerror(errno)))") }
            offset += sent
        }

        let deadline = Date().addingTimeInterval(timeout)
        state.lock()
        defer { state.unlock() }
        while true {
            if let answer = responses.removeValue(forKey: id) {
                if let error = answer["error"] as? [String: Any] {
                    throw Failure.protocolError("\(method): \(error["message"] ?? error)")
                }
                return answer["result"] as? [String: Any] ?? [:]
            }
            if readerDone { throw Failure.closed("waiting for \(method)") }
            if !state.wait(until: deadline) { throw Failure.timeout(method) }
        }
    }

    /// What the page logged and threw, and the tail of Chromium's own output: for failure messages.
    var diagnostics: String {
        let page = locked { messages }
        let log = (try? String(contentsOf: profile.appendingPathComponent("chromium.log"), encoding: .utf8)) ?? ""
        let tail = log.split(separator: "\n").suffix(15).joined(separator: "\n")
        return "page:\n" + page.joined(separator: "\n") + "\nchromium:\n" + tail
    }

    // MARK: Page

    /// Opens a tab on `url`, attaches to it, and waits until its document has loaded.
    func open(_ url: String, width: Int = 1280, height: Int = 900, timeout: TimeInterval = 30) throws {
        let target = try call("Target.createTarget", ["url": "about:blank"], toBrowser: true)
        guard let targetID = target["targetId"] as? String else { throw Failure.protocolError("no targetId") }
        let attached = try call("Target.attachToTarget", ["targetId": targetID, "flatten": true], toBrowser: true)
        guard let session = attached["sessionId"] as? String else { throw Failure.protocolError("no sessionId") }
        locked { sessionID = session }
        try call("Runtime.enable")
        try call("Log.enable")
        try call("Page.enable")
        try call(
            "Emulation.setDeviceMetricsOverride",
            ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": false])
        let loadsBefore = locked { loads }
        let navigation = try call("Page.navigate", ["url": url])
        if let error = navigation["errorText"] as? String, !error.isEmpty {
            throw Failure.protocolError("navigating to \(url): \(error)")
        }
        // The new document replaces about:blank; until its scripts have run there is nothing to observe. Each load
        // event is checked (a late one of about:blank is not the page's).
        let deadline = Date().addingTimeInterval(timeout)
        let loaded = "location.href === \(Self.literal(url)) && document.readyState === 'complete'"
        var seen = loadsBefore
        while (try? evaluate(loaded, timeout: 5)) as? Bool != true {
            guard let next = waitForLoad(after: seen, until: deadline) else { throw Failure.timeout("loading \(url)") }
            seen = next
        }
    }

    /// Waits for a `Page.loadEventFired` beyond the first `count`; the new count, or nil at the deadline or when
    /// the browser is gone.
    private func waitForLoad(after count: Int, until deadline: Date) -> Int? {
        state.lock()
        defer { state.unlock() }
        while loads <= count {
            if readerDone || !state.wait(until: deadline) { return nil }
        }
        return loads
    }

    /// Evaluates `expression` in the page and returns its value (JSON-like), awaiting it if it is a promise.
    func evaluate(_ expression: String, awaitPromise: Bool = false, timeout: TimeInterval = 30) throws -> Any? {
        let result = try call(
            "Runtime.evaluate",
            ["expression": expression, "returnByValue": true, "awaitPromise": awaitPromise], timeout: timeout)
        if let details = result["exceptionDetails"] as? [String: Any] {
            let exception = details["exception"] as? [String: Any] ?? [:]
            throw Failure.protocolError("evaluate: \(exception["description"] ?? details["text"] ?? "exception")")
        }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Waits until the JavaScript `condition` holds in the page: checked at once, then on every change of the DOM
    /// (a MutationObserver in the page), so the wait ends as soon as the page shows it. False after `timeout`.
    func waitUntil(_ condition: String, timeout: TimeInterval = 30) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let loadsBefore = locked { loads }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return false }
            let script = """
                new Promise((resolve) => {
                  const holds = () => { try { return !!(\(condition)); } catch (_) { return false; } };
                  if (holds()) { resolve(true); return; }
                  const observer = new MutationObserver(() => {
                    if (holds()) { observer.disconnect(); clearTimeout(timer); resolve(true); }
                  });
                  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
                  const timer = setTimeout(() => { observer.disconnect(); resolve(holds()); }, \(Int(remaining * 1000)));
                })
                """
            do {
                return try evaluate(script, awaitPromise: true, timeout: remaining + 10) as? Bool ?? false
            } catch Failure.protocolError {
                // The document went away under the promise (a reload): look again once the new one has loaded.
                guard waitForLoad(after: loadsBefore, until: deadline) != nil else { return false }
            }
        }
    }

    /// Saves a PNG of the whole page.
    func screenshot(to file: URL) throws {
        let result = try call("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true])
        guard let encoded = result["data"] as? String, let png = Data(base64Encoded: encoded) else {
            throw Failure.protocolError("Page.captureScreenshot returned no image")
        }
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try png.write(to: file)
    }

    /// Closes the browser: asks it to, then kills its whole process group (renderers, zygotes, GPU and utility
    /// processes), reaps it, and removes its profile. Safe to call twice.
    func close() {
        let first = locked {
            defer { closed = true }
            return !closed
        }
        guard first else { return }
        if !locked({ readerDone }) { _ = try? call("Browser.close", toBrowser: true, timeout: 2) }
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // Wake the reader if anything still holds the other end, wait for it, then release the descriptor.
        shutdown(socket, Int32(SHUT_RDWR))
        state.lock()
        while !readerDone { state.wait() }
        state.unlock()
        Glibc.close(socket)
        try? FileManager.default.removeItem(at: profile)
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        state.lock()
        defer { state.unlock() }
        return try body()
    }

    /// A JavaScript string literal.
    static func literal(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8)
        return String(decoding: data, as: UTF8.self).dropFirst().dropLast().description
    }
}
