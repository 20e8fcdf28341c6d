import NIOCore
import NIOPosix

/// A task executor whose jobs run on one NIO event loop. A task that prefers it runs the client's
/// code (signing, the exchange, verifying and parsing the answer) on the loop the exchange itself
/// runs on: the request is written and the answer read without a hop between Swift's pool and
/// the loop's thread in either direction.
public final class EventLoopTaskExecutor: TaskExecutor {
    private let loop: any EventLoop

    /// An executor on `loop` (by default the next loop of NIO's shared group; qfposd runs one).
    public init(loop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()) {
        self.loop = loop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    public func asUnownedTaskExecutor() -> UnownedTaskExecutor { UnownedTaskExecutor(ordinary: self) }
}
