import CLinuxShims
import Dispatch
import Synchronization

/// Gives the heap's free pages back to the system when the daemon goes quiet.
///
/// glibc keeps what a burst of sales freed in each thread's malloc arena: measured after 2,000
/// sales, 18 MB held by the allocator for 3 MB in use. ``requestTrim()`` is cheap and may be
/// called at every quiet moment: requests are coalesced into one `malloc_trim(0)` a short delay
/// later, on a utility queue, so a busy pipeline never waits for it; a second trim follows a
/// little later for what the quiet moment's aftermath frees (connections closed, idle threads
/// ended).
public final class MemoryTrimmer: Sendable {
    private let queue = DispatchQueue(label: "qfpos.memory-trim", qos: .utility)
    private let delay: DispatchTimeInterval
    private let settleDelay: DispatchTimeInterval
    private let scheduled = Mutex((soon: false, settled: false))

    /// The daemon's trimmer: the pipeline asks when its last sale settles, the control server
    /// when a connection closes.
    public static let shared = MemoryTrimmer()

    /// - Parameters:
    ///   - delay: how long requests are gathered before one trim runs.
    ///   - settleDelay: when the second trim runs.
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

    /// Schedules a trim soon and one a little later, unless they are already due.
    public func requestTrim() {
        let (soon, settled) = scheduled.withLock { scheduled in
            defer { scheduled = (true, true) }
            return (!scheduled.soon, !scheduled.settled)
        }
        if soon {
            queue.asyncAfter(deadline: .now() + delay) { [self] in
                scheduled.withLock { $0.soon = false }
                _ = CLinuxShims_release_free_memory()
            }
        }
        if settled {
            queue.asyncAfter(deadline: .now() + settleDelay) { [self] in
                scheduled.withLock { $0.settled = false }
                _ = CLinuxShims_release_free_memory()
            }
        }
    }
}
