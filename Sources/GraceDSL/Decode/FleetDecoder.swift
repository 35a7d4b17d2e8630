extension DocumentDecoder {
    func decodeFleet(_ root: YAMLNode, _ header: DocumentHeader) -> Fleet? {
        guard let r = rootReader(root, header, keys: ["instances", "lease", "failover", "kernels"]) else { return nil }
        let instancesNode = r.require("instances")
        let leaseNode = r.require("lease")
        var f = Fleet(header: header, instancesSpan: r.keySpan("instances") ?? root.span)
        if let n = instancesNode, let items = values.sequence(n, field: "instances") {
            f.instances = items.compactMap { instance($0) }
        }
        if let n = leaseNode { f.lease = lease(n) }
        if let n = r["failover"],
            let m = MappingReader(
                n, context: "failover", allowed: ["promote", "fence", "quarantine", "playbook"], sink: sink)
        {
            if let v = m["promote"] {
                f.failover.promote = values.oneOf(v, field: "promote", as: Fleet.Promotion.self)?.value ?? .auto
            }
            if let v = m["fence"] { f.failover.fence = values.bool(v, field: "fence") ?? true }
            if let v = m["quarantine"], let d = values.duration(v, field: "quarantine") {
                f.failover.quarantine = d.value
            }
            if let v = m["playbook"] { f.failover.playbook = values.reference(v, field: "playbook") }
        }
        if let n = r["kernels"] { f.kernels = values.references(n, field: "kernels") }
        return f
    }

    private func instance(_ node: YAMLNode) -> Fleet.Instance? {
        guard
            let m = MappingReader(
                node, context: "fleet instance", allowed: ["name", "role", "api", "priority"], sink: sink)
        else { return nil }
        let nameNode = m.require("name")
        let roleNode = m.require("role")
        let apiNode = m.require("api")
        guard let name = nameNode.flatMap({ values.reference($0, field: "name") }),
            let role = roleNode.flatMap({ values.oneOf($0, field: "role", as: Fleet.Role.self) }),
            let api = apiNode.flatMap({ values.string($0, field: "api") })
        else { return nil }
        if !Self.isValidName(name.value) {
            sink.emit(.invalidName, "`\(name.value)` is not a valid instance name", at: name.span)
            return nil
        }
        guard let colon = api.value.lastIndex(of: ":"), let port = Int(api.value[api.value.index(after: colon)...]),
            (1...65535).contains(port)
        else {
            sink.emit(.invalidValue, "`\(api.value)` is not `host:port`", at: api.span)
            return nil
        }
        let priority =
            m["priority"].flatMap { values.int($0, field: "priority", range: 0...1_000_000) }
            ?? Located(0, at: node.span)
        return Fleet.Instance(name: name, role: role, api: api, priority: priority, span: node.span)
    }

    private func lease(_ node: YAMLNode) -> Fleet.Lease? {
        guard
            let m = MappingReader(
                node, context: "lease", allowed: ["backend", "ttl", "renew", "path", "endpoints", "key"], sink: sink),
            let backendNode = m.require("backend"),
            let backend = values.oneOf(backendNode, field: "lease backend", as: Fleet.Backend.self)
        else { return nil }
        let ttl = m["ttl"].flatMap { values.duration($0, field: "ttl") } ?? Located(.seconds(2), at: node.span)
        let renew =
            m["renew"].flatMap { values.duration($0, field: "renew") } ?? Located(.milliseconds(500), at: node.span)
        var lease = Fleet.Lease(backend: backend, ttl: ttl, renew: renew)
        lease.path = m["path"].flatMap { values.string($0, field: "path")?.value }
        lease.endpoints = m["endpoints"].map { values.strings($0, field: "endpoints") } ?? []
        for e in lease.endpoints {
            _ = values.url(YAMLNode(.scalar(YAMLScalar(e.value)), span: e.span), field: "endpoints")
        }
        lease.key = m["key"].flatMap { values.string($0, field: "key")?.value }
        return lease
    }
}
