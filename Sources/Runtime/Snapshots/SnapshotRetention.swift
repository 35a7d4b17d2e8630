import Foundation

/// Which snapshots of one kernel a retention policy keeps, like restic's and borg's `forget`/`prune`: the newest
/// `last`; the newest in each of the `hourly` UTC hours up to and including the hour of `now`; the newest in each
/// of the `daily` UTC days up to and including today. A snapshot any rule keeps is kept. Two more are always
/// kept: the newest good one (so that `last_good` still has something to restore when the recent snapshots were
/// taken of damaged data), and any dated after `now` (a clock set back must not cost data).
struct SnapshotRetention: Sendable, Hashable {
    var last: Int
    var hourly: Int
    var daily: Int

    init(last: Int, hourly: Int, daily: Int) {
        self.last = last
        self.hourly = hourly
        self.daily = daily
    }

    /// The ids to keep among `manifests`.
    func kept(_ manifests: [SnapshotManifest], now: Date) -> Set<String> {
        let newestFirst = manifests.sorted { ($0.time, $0.id) > ($1.time, $1.id) }
        var keep = Set(newestFirst.prefix(max(0, last)).map(\.id))
        if let good = newestFirst.first(where: \.good) { keep.insert(good.id) }
        for manifest in newestFirst where manifest.time > now { keep.insert(manifest.id) }
        keepNewest(per: SnapshotTime.hour, buckets: hourly, of: newestFirst, now: now, into: &keep)
        keepNewest(per: SnapshotTime.day, buckets: daily, of: newestFirst, now: now, into: &keep)
        return keep
    }

    private func keepNewest(
        per bucket: (Date) -> Int64, buckets: Int, of newestFirst: [SnapshotManifest], now: Date,
        into keep: inout Set<String>
    ) {
        guard buckets > 0 else { return }
        let current = bucket(now)
        var filled = Set<Int64>()
        for manifest in newestFirst where manifest.time <= now {
            let b = bucket(manifest.time)
            guard b > current - Int64(buckets) else { continue }
            if filled.insert(b).inserted { keep.insert(manifest.id) }
        }
    }
}
