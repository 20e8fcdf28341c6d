import Dispatch

/// A serial executor that runs jobs on one serial `DispatchQueue`: `PaymentPipeline` is an actor
/// confined to that queue (this toolchain's Dispatch has no `DispatchSerialQueue` on Linux).
final class QueueExecutor: SerialExecutor {
    let queue: DispatchQueue

    init(label: String) { queue = DispatchQueue(label: label) }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }
}
