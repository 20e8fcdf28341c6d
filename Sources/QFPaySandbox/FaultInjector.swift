import Synchronization

/// Decides which faults hit a request: first any queued one-shot fault for its path, then draws
/// from the seeded PRNG in a fixed order (latency, 429, 5xx before, drop, 5xx after, wrong signature).
final class FaultInjector: Sendable {
    private struct State {
        var faults: SandboxFaults
        var random: SplitMix64
        var queued: [(path: String?, fault: SandboxFault)] = []
    }

    private let state: Mutex<State>

    init(_ faults: SandboxFaults) {
        state = Mutex(State(faults: faults, random: SplitMix64(seed: faults.seed)))
    }

    var faults: SandboxFaults { state.withLock { $0.faults } }

    /// Replaces the faults and reseeds the PRNG with their seed.
    func set(_ faults: SandboxFaults) {
        state.withLock {
            $0.faults = faults
            $0.random = SplitMix64(seed: faults.seed)
        }
    }

    /// Queues `fault` for the next request on `path` (any API path when `nil`).
    func enqueue(_ fault: SandboxFault, path: String?) {
        state.withLock { $0.queued.append((path, fault)) }
    }

    /// The faults for a request on `path`: at most one delay and one other fault.
    func draw(path: String) -> (delay: Duration?, fault: SandboxFault?) {
        state.withLock { state in
            var delay: Duration?
            var chosen: SandboxFault?
            if let index = state.queued.firstIndex(where: { $0.path == nil || $0.path == path }) {
                let queued = state.queued.remove(at: index).fault
                if case .latency(let duration) = queued { delay = duration } else { chosen = queued }
            }
            let faults = state.faults
            guard faults.paths.isEmpty || faults.paths.contains(path) else { return (delay, chosen) }
            func hit(_ probability: Double) -> Bool {
                guard probability > 0 else { return false }
                return state.random.nextUnit() < probability
            }
            if hit(faults.latencyProbability), delay == nil { delay = faults.latency }
            let candidates: [(Double, SandboxFault)] = [
                (faults.tooManyRequests, .tooManyRequests),
                (faults.serverErrorBeforeProcessing, .serverErrorBeforeProcessing(status: faults.serverErrorStatus)),
                (faults.dropAfterProcessing, .dropAfterProcessing),
                (faults.serverErrorAfterProcessing, .serverErrorAfterProcessing(status: faults.serverErrorStatus)),
                (faults.wrongSignature, .wrongSignature),
            ]
            for (probability, fault) in candidates where hit(probability) && chosen == nil {
                chosen = fault
            }
            return (delay, chosen)
        }
    }
}
