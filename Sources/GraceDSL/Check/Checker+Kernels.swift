extension Checker {
    func checkGraceSettings() {
        guard let grace = table.grace else {
            if options.requireGraceDocument && !someDocumentsUnread {
                sink.emit(
                    .missingGraceDocument,
                    "no `grace` document: the configuration root needs one (e.g. config/grace.yaml with `kind: grace`)",
                    at: .file(options.root))
            }
            return
        }
        if let instance = grace.instance { resolveInstance(instance) }
        for name in grace.agent.protected where !table.kernels.keys.contains(name.value) {
            // Protected names may be any document; only report names that exist nowhere.
            let known = DocumentKind.allCases.contains { table.contains(name.value, kind: $0) }
            if !known {
                report(
                    unknown: name, what: "document", code: .unknownKernel,
                    candidates: DocumentKind.allCases.flatMap { table.names(of: $0) })
            }
        }
        for command in grace.agent.verify { checkExecutable(command, what: "agent verification") }
    }

    func checkKernels() {
        for kernel in table.kernelsInOrder {
            let name = kernel.header.name.value
            for dep in kernel.dependsOn where dep.value != name {
                resolve(dep, kind: .kernel, context: "depends_on of kernel `\(name)`")
            }
            if let command = kernel.command { checkExecutable(command, what: "kernel `\(name)`") }
            if case .exec(let command)? = kernel.health?.check {
                checkExecutable(command, what: "the health probe of kernel `\(name)`")
            }
            if let format = kernel.logs.format {
                if let fields = LogFormat.fields(of: format.value) {
                    if !fields.contains("Content") {
                        sink.emit(
                            .invalidLogFormat,
                            "log format `\(format.value)` has no `<Content>` placeholder, so no message can be mined",
                            at: format.span)
                    } else if Set(fields).count != fields.count {
                        sink.emit(
                            .invalidLogFormat, "log format `\(format.value)` repeats a placeholder", at: format.span)
                    }
                } else {
                    sink.emit(
                        .invalidLogFormat,
                        "log format `\(format.value)` is malformed: placeholders are `<Name>` with letters and digits",
                        at: format.span)
                }
            }
            for mask in kernel.logs.masks { checkRegex(mask, what: "log mask") }
            if let health = kernel.health, health.timeout > health.every {
                // A probe that may run longer than its interval piles up; say so as an error, it is never intended.
                sink.emit(
                    .outOfRange,
                    "health probe `timeout` (\(DurationParser.format(health.timeout))) is longer than `every` "
                        + "(\(DurationParser.format(health.every)))", at: kernel.header.name.span)
            }
        }
    }

    /// Two kernels, or a kernel and Grace's API, binding the same port cannot both run.
    func checkPorts() {
        var owners: [Int: (what: String, span: SourceSpan)] = [:]
        var uses: [(port: Int, what: String, span: SourceSpan)] = []
        if let grace = table.grace, let listen = grace.apiListen,
            let port = listen.value.split(separator: ":").last.flatMap({ Int($0) })
        {
            uses.append((port, "the Grace API", listen.span))
        }
        for kernel in table.kernelsInOrder where kernel.enabled {
            for port in kernel.ports { uses.append((port.value, "kernel `\(kernel.header.name.value)`", port.span)) }
        }
        for fleet in table.fleets.values {
            for instance in fleet.instances {
                let parts = instance.api.value.split(separator: ":")
                guard let host = parts.dropLast().joined(separator: ":") as String?, isLocal(host),
                    let port = parts.last.flatMap({ Int($0) })
                else { continue }
                // This process's own instance serves the API; its port may equal `api.listen`.
                if table.grace?.instance?.value == instance.name.value,
                    let listen = table.grace?.apiListen?.value, listen.hasSuffix(":\(port)")
                {
                    continue
                }
                uses.append((port, "fleet instance `\(instance.name.value)`", instance.api.span))
            }
        }
        uses.sort { $0.span.precedes($1.span) }
        for use in uses {
            // Two instances on one address are G803's to report.
            if let owner = owners[use.port], !(owner.what.hasPrefix("fleet") && use.what.hasPrefix("fleet")) {
                sink.emit(
                    .portConflict, "port \(use.port) of \(use.what) is already used by \(owner.what)", at: use.span,
                    notes: [Note("first used here", at: owner.span)])
            } else {
                owners[use.port] = (use.what, use.span)
            }
        }
    }

    private func isLocal(_ host: String) -> Bool {
        host == "localhost" || host.hasPrefix("127.") || host == "0.0.0.0" || host == "[::1]" || host == "::1"
            || host.isEmpty
    }

    func checkDependencyCycles() {
        var finder = CycleFinder()
        for kernel in table.kernels.values {
            for dep in kernel.dependsOn where table.kernels.index(forKey: dep.value) != nil {
                finder.add(from: kernel.header.name.value, to: dep.value, at: dep.span)
            }
        }
        for cycle in finder.cycles() {
            guard let first = cycle.first else { continue }
            let chain = ([first.from] + cycle.map(\.to)).map { "`\($0)`" }.joined(separator: " -> ")
            sink.emit(
                .dependencyCycle, "dependency cycle: \(chain); no kernel in it could ever start", at: first.span,
                notes: cycle.dropFirst().map { Note("`\($0.from)` depends on `\($0.to)` here", at: $0.span) })
        }
    }
}
