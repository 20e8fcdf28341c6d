import Foundation

/// Runs a blocking call (poll, waitpid, a blocking write, a child process) on a thread of its
/// own, so that it never occupies one of the few threads of Swift's cooperative pool that the
/// daemon under test needs (on 2 cores there are 2; two blocked tests would stall everything).
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}

/// ``offPool(_:)`` for a call that cannot throw.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.start()
    }
}
