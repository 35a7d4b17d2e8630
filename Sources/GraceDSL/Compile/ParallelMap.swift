import Dispatch
import Foundation

/// A map over independent items that uses every core: the compiler parses and decodes files this way.
enum ParallelMap {
    /// `items.map(transform)`, with the calls spread over the cores; the results keep the items' order.
    static func map<Element: Sendable, Result: Sendable>(
        _ items: [Element], _ transform: @Sendable (Element) -> Result
    ) -> [Result] {
        guard items.count > 1 else { return items.map(transform) }
        let results = Slots<Result>(count: items.count)
        DispatchQueue.concurrentPerform(iterations: items.count) { index in
            results.store(transform(items[index]), at: index)
        }
        return results.values()
    }

    /// One slot per item, filled from the worker threads of `concurrentPerform`.
    ///
    /// `compile` is synchronous (its callers are too), so an actor or a task group would need a blocking bridge
    /// from async code; a lock around the array is simpler and costs one uncontended lock per file. That lock
    /// is what makes the `@unchecked Sendable` true: `slots` is only touched while it is held.
    private final class Slots<Value: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [Value?]

        init(count: Int) {
            slots = Array(repeating: nil, count: count)
        }

        func store(_ value: Value, at index: Int) {
            lock.withLock { slots[index] = value }
        }

        /// Every value, once all have been stored.
        func values() -> [Value] {
            lock.withLock { slots.map { $0! } }
        }
    }
}
