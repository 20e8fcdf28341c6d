import Foundation
import Glibc
import QFPay
import QFPaySandbox
import Testing

@testable import Payments

@Suite struct ScannedCodeHashTests {
    private func keyFile(_ files: TemporaryJournal) -> String { ScannedCodeKey.path(forJournal: files.path) }

    @Test func theKeyIsMadeOnceWithMode0600AndKeptAcrossReopens() throws {
        let files = try TemporaryJournal()
        _ = try files.open()
        var status = stat()
        #expect(stat(keyFile(files), &status) == 0)
        #expect(status.st_mode & 0o777 == 0o600)
        let first = try Data(contentsOf: URL(fileURLWithPath: keyFile(files)))
        #expect(first.count == 32)
        _ = try files.open()
        #expect(try Data(contentsOf: URL(fileURLWithPath: keyFile(files))) == first)
    }

    @Test func aKeyOthersCanReadOrOfTheWrongLengthIsRefused() throws {
        let files = try TemporaryJournal()
        _ = try files.open()
        chmod(keyFile(files), 0o644)
        #expect(throws: PaymentsError.self) { _ = try files.open() }
        chmod(keyFile(files), 0o600)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: keyFile(files)))
        #expect(throws: PaymentsError.self) { _ = try files.open() }
    }

    @Test func theJournalKeepsAKeyedHashThatAnotherKeyDoesNotReproduce() async throws {
        try await PipelineHarness.run { harness in
            let pipeline = try harness.pipeline()
            let code = SandboxScenario.success.authCode(serial: 4_242)
            let id = orderID()
            let sale = try await pipeline.startSale(
                SaleRequest(orderID: id, amount: 100, flow: .barcode, lane: id, authCode: code))
            _ = try await pipeline.settledWithin(id)
            let stored = try #require(try harness.files.open().sale(id: id))
            let hashes = stored.entries.compactMap { entry -> String? in
                if case .scanned(_, let hash, _) = entry.event { return hash }
                return nil
            }
            let hash = try #require(hashes.first)
            #expect(hash.hasPrefix(ScannedCodeHash.keyedPrefix))
            let unkeyed = DigestAlgorithm.sha256.hexDigest(Array("\(sale.order.outTradeNo):\(code)".utf8))
            #expect(!hash.contains(unkeyed))
            let otherInstall = ScannedCodeHash(
                key: try ScannedCodeKey.loadOrCreate(path: harness.files.path + ".other"))
            #expect(otherInstall.make(code, outTradeNo: sale.order.outTradeNo) != hash)
            #expect(!otherInstall.matches(hash, code: code, outTradeNo: sale.order.outTradeNo))
        }
    }

    @Test func aRestartedPipelineStillTellsTheSameCodeFromAnother() async throws {
        try await PipelineHarness.run { harness in
            let code = SandboxScenario.success.authCode(serial: 5_151)
            let id = orderID()
            let request = SaleRequest(orderID: id, amount: 100, flow: .barcode, lane: id, authCode: code)
            let first = try harness.pipeline()
            _ = try await first.startSale(request)
            _ = try await first.settledWithin(id)
            try await first.close()
            let restarted = try harness.pipeline()
            try await restarted.recover()
            #expect(try await restarted.startSale(request).status == .paid)
            var other = request
            other.authCode = SandboxScenario.success.authCode(serial: 5_152)
            await #expect {
                _ = try await restarted.startSale(other)
            } throws: { error in
                (error as? PaymentsError)?.code == .orderConflict && (error as? PaymentsError)?.field == "auth_code"
            }
        }
    }

    @Test func anUnkeyedHashFromAnOlderJournalStillChecksTheCode() throws {
        let files = try TemporaryJournal()
        let hash = try files.open().scannedCodeHash
        let legacy = DigestAlgorithm.sha256.hexDigest(Array("T123:134612345678901234".utf8))
        #expect(hash.matches(legacy, code: "134612345678901234", outTradeNo: "T123"))
        #expect(!hash.matches(legacy, code: "134612345678901235", outTradeNo: "T123"))
        #expect(!hash.matches(ScannedCodeHash.keyedPrefix + legacy, code: "134612345678901234", outTradeNo: "T123"))
    }
}
