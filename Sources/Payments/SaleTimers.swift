import Foundation

/// The pending timers of the pipeline's sales, earliest first (a binary min-heap).
///
/// The pipeline keeps one sleeping task for all its sales, woken at the earliest due time, rather
/// than one sleeping task per sale: a sleeping task costs about 2 KB until its deadline, even when
/// the sale it was for settled long before (a barcode sale's 60 s scan timeout outlives a sale
/// paid in a second), so a burst of sales held tens of megabytes for a minute.
///
/// A replaced or obsolete timer stays until it is due or until ``compact(keeping:)`` drops it; it is
/// told apart by its generation, which the pipeline draws from one counter for all sales.
struct SaleTimers {
    /// One timer of one sale.
    struct Entry {
        /// When it is due, in the pipeline clock's time.
        var due: Date
        var saleID: String
        var generation: Int
    }

    private var entries: [Entry] = []

    /// The earliest due time, if any timer is pending.
    var earliest: Date? { entries.first?.due }

    /// `duration` in seconds.
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Pending entries, obsolete ones included.
    var count: Int { entries.count }

    mutating func insert(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].due < entries[parent].due else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns every entry due at `now` or earlier, earliest first.
    mutating func removeDue(at now: Date) -> [Entry] {
        var due: [Entry] = []
        while let first = entries.first, first.due <= now { due.append(removeFirst()) }
        if entries.isEmpty, entries.capacity > 64 {
            // A burst of sales grew the storage: give it back once every timer is gone.
            entries = []
        }
        return due
    }

    /// Drops the entries `keep` refuses (timers of sales that settled or got a newer timer).
    mutating func compact(keeping keep: (Entry) -> Bool) {
        let kept = entries.filter(keep)
        entries = []
        entries.reserveCapacity(kept.count)
        for entry in kept { insert(entry) }
    }

    private mutating func removeFirst() -> Entry {
        let first = entries[0]
        let last = entries.removeLast()
        guard !entries.isEmpty else { return first }
        entries[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < entries.count, entries[left].due < entries[smallest].due { smallest = left }
            if right < entries.count, entries[right].due < entries[smallest].due { smallest = right }
            guard smallest != parent else { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
