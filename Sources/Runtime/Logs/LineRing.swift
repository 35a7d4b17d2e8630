/// The last `capacity` log lines, oldest overwritten first: what the dashboard and `grace logs` show without
/// reading the file.
struct LineRing {
    let capacity: Int
    private var storage: [LogLine] = []
    /// Index of the oldest line once the ring is full.
    private var head = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { storage.count }

    mutating func append(_ line: LogLine) {
        if storage.count < capacity {
            storage.append(line)
        } else {
            storage[head] = line
            head = (head + 1) % capacity
        }
    }

    /// The last `n` lines, oldest first.
    func last(_ n: Int) -> [LogLine] {
        let wanted = min(max(0, n), storage.count)
        var lines: [LogLine] = []
        lines.reserveCapacity(wanted)
        let first = storage.count - wanted
        for offset in first..<storage.count {
            lines.append(storage[(head + offset) % storage.count])
        }
        return lines
    }
}
