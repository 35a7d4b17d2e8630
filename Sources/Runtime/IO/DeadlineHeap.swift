/// The pending deadlines of the reactor's one-shot waits, earliest first: a binary min-heap of
/// (instant, token). Entries of waits that ended otherwise stay until they come to the top and are skipped
/// there, which keeps removal O(log n) without an index.
struct DeadlineHeap {
    struct Entry {
        var instant: ContinuousClock.Instant
        var token: UInt64
    }

    private var entries: [Entry] = []

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }
    /// The earliest deadline.
    var first: Entry? { entries.first }

    mutating func insert(_ instant: ContinuousClock.Instant, token: UInt64) {
        entries.append(Entry(instant: instant, token: token))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].instant < entries[parent].instant else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest deadline.
    mutating func removeFirst() -> Entry? {
        guard !entries.isEmpty else { return nil }
        let first = entries[0]
        let last = entries.removeLast()
        guard !entries.isEmpty else { return first }
        entries[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < entries.count, entries[left].instant < entries[smallest].instant { smallest = left }
            if right < entries.count, entries[right].instant < entries[smallest].instant { smallest = right }
            guard smallest != parent else { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
