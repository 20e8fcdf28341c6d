import NIOCore
import NIOPosix

/// A task executor whose jobs run on one NIO event loop. A task that prefers it runs the client's
/// code (signing, the exchange, verifying and parsing the answer) on the loop the exchange itself
/// runs on: the request is written and the answer read without a hop between Swift's pool and
/// the loop's thread in either direction.
public final class EventLoopTaskExecutor: TaskExecutor {
    /// The loop the jobs run on.
    public let loop: any EventLoop

    /// The first loop of NIO's shared group: the loop of the QFPay client's exchanges and of the
    /// control server's connections, so that a request, the till's event that follows it and
    /// the answer are handled on one thread, in the order they were made. (qfposd runs one loop;
    /// a process with more, such as a test, still puts them together.)
    public static let sharedLoop: any EventLoop = {
        var loops = MultiThreadedEventLoopGroup.singleton.makeIterator()
        return loops.next()!
    }()

    /// An executor on `loop` (by default ``sharedLoop``).
    public init(loop: any EventLoop = EventLoopTaskExecutor.sharedLoop) {
        self.loop = loop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    public func asUnownedTaskExecutor() -> UnownedTaskExecutor { UnownedTaskExecutor(ordinary: self) }
}
