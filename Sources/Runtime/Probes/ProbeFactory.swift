import GraceDSL

/// Builds the probe for a kernel's compiled `health:` setting.
///
/// Relative paths are taken from the configuration root `root`: a heartbeat file, and an exec probe's executable
/// when it contains a `/` (a bare name is left for the runner to find in PATH, as for kernel commands). A
/// heartbeat file must be newer than `every` x `failures`, as the DSL reference says. The probe's `timeout`,
/// `every`, `failures` and `start_period` stay with the caller, which schedules the checks. HTTP and TCP probes
/// wait on `reactor`.
public func makeProbe(
    for probe: Kernel.HealthProbe, root: String, runner: any CommandRunner, reactor: IOReactor
) -> any HealthProbe {
    func resolve(_ path: String) -> String {
        guard !path.hasPrefix("/"), !root.isEmpty else { return path }
        var base = root
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        var relative = Substring(path)
        while relative.hasPrefix("./") { relative = relative.dropFirst(2) }
        return base == "/" ? "/" + relative : base + "/" + relative
    }
    switch probe.check {
    case .http(let url, let expect):
        return HTTPProbe(url: url, expectStatus: expect, reactor: reactor)
    case .tcp(let host, let port):
        return TCPProbe(host: host, port: port, reactor: reactor)
    case .exec(let command):
        var arguments = command.value.arguments
        if let first = arguments.first, first.contains("/") { arguments[0] = resolve(first) }
        return ExecProbe(arguments: arguments, runner: runner)
    case .file(let path):
        let failures = max(probe.failures, 1)
        return FileProbe(path: resolve(path), maxAge: probe.every * failures)
    }
}
