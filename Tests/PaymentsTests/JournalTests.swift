import Foundation
import QFPay
import Testing

@testable import Payments

struct JournalTests {
    func order(_ id: String, lane: String = "1") -> SaleOrder {
        SaleOrder(saleID: id, outTradeNo: "OTN\(id)", amount: 100, flow: .barcode, payType: nil, lane: lane)
    }

    func entry(_ id: String, _ sequence: Int, _ event: SaleEvent, _ status: SaleStatus, paid: Int = 0) -> Journal.Entry
    {
        Journal.Entry(
            saleID: id, sequence: sequence, at: Date(), event: event, status: status, respcd: nil, syssn: nil,
            paidAmount: paid, refundedAmount: 0)
    }

    @Test func theJournalIsDurableWithSynchronousFull() throws {
        let files = try TemporaryJournal()
        let journal = try files.open()
        #expect(try journal.synchronousSetting() == 2)
    }

    @Test func closingCheckpointsAndRemovesTheWriteAheadLog() async throws {
        let files = try TemporaryJournal()
        let journal = try files.open()
        try await journal.create(order("a"), at: Date(), status: .awaitingScan)
        _ = try journal.sale(id: "a")  // a reader connection too: GRDB closes it after the writer
        #expect(FileManager.default.fileExists(atPath: files.path + "-wal"))
        try await journal.close()
        #expect(!FileManager.default.fileExists(atPath: files.path + "-wal"))
        #expect(try files.open().sale(id: "a")?.order == order("a"))
    }

    @Test func aSaleReadsBackAsItsOrderAndLog() async throws {
        let files = try TemporaryJournal()
        let journal = try files.open()
        try await journal.create(order("a"), at: Date(), status: .awaitingScan)
        let scanned = SaleEvent.scanned(maskedCode: "1346••••••••4254", codeHash: "h", payType: .wechatBarcode)
        try await journal.append([entry("a", 1, scanned, .submitting)])
        let stored = try #require(try journal.sale(id: "a"))
        #expect(stored.order == order("a"))
        #expect(stored.entries.map(\.sequence) == [0, 1])
        #expect(stored.entries[1].event == scanned)
        #expect(try journal.sale(outTradeNo: "OTNa")?.order.saleID == "a")
        #expect(try journal.unfinishedSales().map(\.order.saleID) == ["a"])
    }

    @Test func theLogIsAppendOnly() async throws {
        let files = try TemporaryJournal()
        let journal = try files.open()
        try await journal.create(order("a"), at: Date(), status: .awaitingScan)
        #expect(throws: (any Error).self) { try journal.execute("UPDATE sale_event SET status = 'paid'") }
        #expect(throws: (any Error).self) { try journal.execute("DELETE FROM sale_event") }
        await #expect(throws: PaymentsError.self) {
            try await journal.append([entry("a", 0, .cancelRequested, .cancelled)])
        }
    }

    @Test func concurrentAppendsAreAllCommittedInFewerTransactions() async throws {
        let files = try TemporaryJournal()
        let journal = try files.open()
        let ids = (0..<200).map { "s\($0)" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in ids {
                group.addTask {
                    try await journal.create(self.order(id), at: Date(), status: .awaitingScan)
                    try await journal.append([self.entry(id, 1, .cancelRequested, .cancelled)])
                }
            }
            try await group.waitForAll()
        }
        #expect(try journal.summaries(statuses: [.cancelled]).count == 200)
        #expect(try journal.unfinishedSales().isEmpty)
        #expect(journal.commitCount < 400)
    }

    @Test func anIdleJournalRecordsASaleAndItsFirstEntriesInOneTransactionOnTheCallersThread() async throws {
        let files = try TemporaryJournal()
        let journal = try files.open()
        let creation = Journal.Entry(
            saleID: "a", sequence: 0, at: Date(), event: nil, status: .awaitingScan, respcd: nil, syssn: nil,
            paidAmount: 0, refundedAmount: 0)
        let scan = entry(
            "a", 1, .scanned(maskedCode: "1345••••1234", codeHash: "h", payType: .wechatBarcode), .submitting)
        #expect(try journal.recordIfIdle(creating: order("a"), [creation, scan]))
        #expect(journal.commitCount == 1)
        let stored = try #require(try journal.sale(id: "a"))
        #expect(stored.entries.map(\.status) == [.awaitingScan, .submitting])
        // A bad entry (a sequence already used) writes nothing, and the journal stays usable.
        #expect(throws: PaymentsError.self) { try journal.recordIfIdle(creating: nil, [scan]) }
        try await journal.append([entry("a", 2, .cancelRequested, .submitting)])
        #expect(try journal.sale(id: "a")?.entries.count == 3)
        #expect(journal.commitCount == 2)
    }

    @Test func aJournalBusyWithAGroupCommitLeavesTheEntriesToIt() async throws {
        let files = try TemporaryJournal()
        let journal = try files.open()
        // Many appends queued at once keep the writer draining; an inline record either finds it
        // idle (and commits) or busy (and writes nothing): never both, never lost.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<100 {
                group.addTask { try await journal.create(self.order("g\(index)"), at: Date(), status: .awaitingScan) }
            }
            for index in 0..<100 {
                let creation = Journal.Entry(
                    saleID: "i\(index)", sequence: 0, at: Date(), event: nil, status: .awaitingScan, respcd: nil,
                    syssn: nil, paidAmount: 0, refundedAmount: 0)
                if try !journal.recordIfIdle(creating: order("i\(index)"), [creation]) {
                    try await journal.record(creating: order("i\(index)"), [creation])
                }
            }
            try await group.waitForAll()
        }
        #expect(try journal.summaries(statuses: [.awaitingScan]).count == 200)
        #expect(journal.commitCount < 200)  // the group commits took several sales each
    }

    @Test func theViewGivesEachSalesLatestStatus() async throws {
        let files = try TemporaryJournal()
        let journal = try files.open()
        try await journal.create(order("a", lane: "1"), at: Date(), status: .awaitingScan)
        try await journal.create(order("b", lane: "2"), at: Date(), status: .awaitingScan)
        try await journal.append([
            entry("a", 1, .paymentAnswered(GatewayAnswer(respcd: "0000", outcome: .success)), .paid, paid: 100)
        ])
        #expect(try journal.summaries(statuses: [.paid]).map(\.order.saleID) == ["a"])
        #expect(try journal.summaries(lane: "2").map(\.status) == [.awaitingScan])
        let position = try #require(try journal.refundPosition(saleID: "a"))
        #expect(position.paid == 100 && position.refunded == 0 && !position.refundInFlight)
    }

    @Test func aNotificationIsRecordedOncePerSyssnAndType() async throws {
        let files = try TemporaryJournal()
        let journal = try files.open()
        #expect(try await journal.recordNotification(syssn: "1", notifyType: "payment", outTradeNo: "o", at: Date()))
        #expect(!(try await journal.recordNotification(syssn: "1", notifyType: "payment", outTradeNo: "o", at: Date())))
        #expect(try await journal.recordNotification(syssn: "1", notifyType: "refund", outTradeNo: "o", at: Date()))
    }

    @Test func theJournalReopensWithItsSales() async throws {
        let files = try TemporaryJournal()
        do {
            let journal = try files.open()
            try await journal.create(order("a"), at: Date(), status: .awaitingScan)
        }
        let reopened = try files.open()
        #expect(try reopened.sale(id: "a") != nil)
        #expect(try reopened.synchronousSetting() == 2)
    }
}
