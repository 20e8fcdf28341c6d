import QFPay
import Testing

@Suite struct RequestBudgetTests {
    @Test func requestsWithinTheBudgetGoAtOnce() async throws {
        let budget = RequestBudget(requestsPerSecond: 3, requestsPerMinute: 10, clock: ManualClock())
        for priority in RequestBudget.Priority.allCases { try await budget.acquire(priority) }
        #expect(budget.recentCount == 3)
        #expect(budget.waitingCount == 0)
    }

    @Test func whenTheBudgetIsSpentPaymentsGoBeforePollsAndTheMinuteWindowHolds() async throws {
        let clock = ManualClock()
        let budget = RequestBudget(requestsPerSecond: 2, requestsPerMinute: 3, clock: clock)
        try await budget.acquire(.poll)
        try await budget.acquire(.poll)
        let poll = Task { try await budget.acquire(.poll) }
        try await eventually { budget.waitingCount == 1 }
        let payment = Task { try await budget.acquire(.payment) }
        try await eventually { budget.waitingCount == 2 && clock.sleeperCount == 1 }

        clock.advance(by: .seconds(1))
        try await payment.value
        // The third request of the minute went to the payment; the poll waits for the minute window.
        try await eventually { clock.sleeperCount == 1 }
        #expect(budget.waitingCount == 1)

        clock.advance(by: .seconds(59))
        try await poll.value
        #expect(budget.waitingCount == 0)
    }

    @Test func aCancelledWaiterLeavesTheQueue() async throws {
        let clock = ManualClock()
        let budget = RequestBudget(requestsPerSecond: 1, requestsPerMinute: 100, clock: clock)
        try await budget.acquire(.payment)
        let waiter = Task { try await budget.acquire(.poll) }
        try await eventually { budget.waitingCount == 1 }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(budget.waitingCount == 0)
        clock.advance(by: .seconds(2))
        try await budget.acquire(.poll)
        #expect(budget.recentCount == 2)
    }
}

extension RequestBudgetTests {
    @Test func theSecondWindowHoldsUntilASecondHasPassed() async throws {
        let clock = ManualClock()
        let budget = RequestBudget(requestsPerSecond: 2, requestsPerMinute: 100, clock: clock)
        try await budget.acquire(.payment)
        try await budget.acquire(.payment)
        let third = Task { try await budget.acquire(.payment) }
        try await eventually { budget.waitingCount == 1 && clock.sleeperCount == 1 }
        clock.advance(by: .milliseconds(999))
        // Still inside the second: the waiter sleeps on.
        try await eventually { clock.sleeperCount == 1 }
        #expect(budget.waitingCount == 1)
        clock.advance(by: .milliseconds(1))
        try await third.value
        #expect(budget.recentCount == 3)
    }

    @Test func waitersOfOnePriorityAreServedInArrivalOrder() async throws {
        let clock = ManualClock()
        let budget = RequestBudget(requestsPerSecond: 1, requestsPerMinute: 100, clock: clock)
        try await budget.acquire(.poll)
        let order = OrderLog()
        var tasks: [Task<Void, any Error>] = []
        for index in 0..<3 {
            tasks.append(
                Task {
                    try await budget.acquire(.poll)
                    await order.append(index)
                })
            try await eventually { budget.waitingCount == index + 1 }
        }
        for served in 1...3 {
            try await eventually { clock.sleeperCount == 1 }
            clock.advance(by: .seconds(1))
            try await eventually { await order.values.count == served }
        }
        for task in tasks { try await task.value }
        #expect(await order.values == [0, 1, 2])
    }
}

/// Records the order in which tasks got through.
actor OrderLog {
    private(set) var values: [Int] = []
    func append(_ value: Int) { values.append(value) }
}
