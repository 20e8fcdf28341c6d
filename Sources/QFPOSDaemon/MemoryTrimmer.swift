import CLinuxShims
import Dispatch
import Synchronization

/// Gives the heap's free pages back to the system when the daemon goes quiet.
///
/// glibc keeps what a burst of sales freed in each thread's malloc arena: measured after 2,000
/// sales, 18 MB held by the allocator for 3 MB in use. ``requestTrim()`` is cheap and may be
/// called at every quiet moment: one `malloc_trim(0)` runs once no request has come for a short
/// delay, on a utility queue, so a busy pipeline never waits for it and sales that follow each
/// other closely never meet it (a trim holds the allocator's locks for a while); a second trim
/// follows a little later for what the quiet moment's aftermath frees (connections closed, idle
/// threads ended).
public final class MemoryTrimmer: Sendable {
    private let queue = DispatchQueue(label: "qfpos.memory-trim", qos: .utility)
    private let delay: DispatchTimeInterval
    private let settleDelay: DispatchTimeInterval

    /// One of the two trims: whether its timer is set, and the last request it waits to be quiet after.
    private struct Pending {
        var armed = false
        var lastRequest = DispatchTime.now()
    }

    /// The trim soon after a quiet moment, and the one after the aftermath.
    private enum Trim: CaseIterable { case soon, settled }
    private let pending = Mutex([Trim.soon: Pending(), .settled: Pending()])

    /// The daemon's trimmer: the pipeline asks when its last sale settles, the control server
    /// when a connection closes.
    public static let shared = MemoryTrimmer()

    /// - Parameters:
    ///   - delay: how long the daemon must be quiet (no request) before one trim runs.
    ///   - settleDelay: how long before the second trim runs.
    public init(delay: DispatchTimeInterval = .milliseconds(20), settleDelay: DispatchTimeInterval = .seconds(3)) {
        self.delay = delay
        self.settleDelay = settleDelay
    }

    /// Sets glibc's allocator to give large blocks and the heap's top back promptly and to share two
    /// arenas among the threads. For the daemon's process only (it changes process-wide settings):
    /// call once at start.
    public static func configureAllocator() {
        CLinuxShims_configure_allocator()
    }

    /// Schedules a trim once the daemon has been quiet for the delay, and one a little later.
    public func requestTrim() {
        let now = DispatchTime.now()
        let arm = pending.withLock { pending in
            Trim.allCases.filter { trim in
                defer {
                    pending[trim]!.lastRequest = now
                    pending[trim]!.armed = true
                }
                return !pending[trim]!.armed
            }
        }
        for trim in arm { wait(trim, until: now + delay(of: trim)) }
    }

    private func delay(of trim: Trim) -> DispatchTimeInterval { trim == .soon ? delay : settleDelay }

    /// Trims at `deadline` unless a request came since: then waits until the delay after it.
    private func wait(_ trim: Trim, until deadline: DispatchTime) {
        queue.asyncAfter(deadline: deadline) { [self] in
            let delay = delay(of: trim)
            let later = pending.withLock { pending -> DispatchTime? in
                let quietUntil = pending[trim]!.lastRequest + delay
                if quietUntil > DispatchTime.now() { return quietUntil }
                pending[trim]!.armed = false
                return nil
            }
            if let later {
                wait(trim, until: later)
            } else {
                _ = CLinuxShims_release_free_memory()
            }
        }
    }
}
