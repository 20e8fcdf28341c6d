import Dispatch
import Synchronization

/// A serial executor that runs jobs on one serial `DispatchQueue`: `PaymentPipeline` is an actor
/// confined to that queue (this toolchain's Dispatch has no `DispatchSerialQueue` on Linux).
/// It counts the jobs not yet finished, so that a job can tell it is alone (``isAlone``), and
/// offers the same queue as a task executor (``taskExecutor``).
final class QueueExecutor: SerialExecutor {
    /// Tasks that prefer it start on the queue: their first call into the actor is a job queued
    /// behind the running one, on the queue's thread, not a wake-up of Swift's pool and a hop.
    let taskExecutor: QueueTaskExecutor

    init(label: String) { taskExecutor = QueueTaskExecutor(queue: DispatchQueue(label: label)) }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        taskExecutor.run { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }

    /// Whether the running job is the only one: no other input waits for the queue. Read on the
    /// queue by the running job; a job enqueued right after the read waits for it, as it would
    /// behind any job.
    var isAlone: Bool { taskExecutor.unfinished.load(ordering: .relaxed) <= 1 }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }
}

/// The pipeline's queue as a task executor (see ``QueueExecutor/taskExecutor``).
public final class QueueTaskExecutor: TaskExecutor {
    private let queue: DispatchQueue
    /// Jobs enqueued on the queue (the actor's and the tasks') and not finished, the running one included.
    fileprivate let unfinished = Atomic<Int>(0)

    fileprivate init(queue: DispatchQueue) { self.queue = queue }

    fileprivate func run(_ body: @escaping @Sendable () -> Void) {
        unfinished.add(1, ordering: .relaxed)
        queue.async {
            body()
            self.unfinished.subtract(1, ordering: .relaxed)
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        run { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    public func asUnownedTaskExecutor() -> UnownedTaskExecutor { UnownedTaskExecutor(ordinary: self) }
}
