import ControlProtocol
import Foundation
import Testing

/// The till switches on `data.reason`: every reason is snake_case and docs/protocol.md's error
/// table lists exactly the reasons qfposd sends.
@Suite struct ErrorReasonTests {
    /// The backquoted words of the reasons column of docs/protocol.md's error table.
    private func documentedReasons() throws -> Set<String> {
        let docs = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "../../docs/protocol.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let section = try #require(text.components(separatedBy: "## Errors").dropFirst().first)
        var reasons = Set<String>()
        for line in section.split(separator: "\n") where line.hasPrefix("| -") || line.hasPrefix("| 1") {
            let column = line.split(separator: "|").last ?? ""
            let words = column.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map {
                String($0.element)
            }
            reasons.formUnion(words)
        }
        return reasons
    }

    @Test func everyReasonIsSnakeCase() {
        for reason in RPCError.Reason.all {
            #expect(
                reason.rawValue.wholeMatch(of: /[a-z][a-z0-9]*(_[a-z0-9]+)*/) != nil, "\(reason.rawValue)")
        }
        #expect(Set(RPCError.Reason.all).count == RPCError.Reason.all.count)
    }

    @Test func theProtocolDocumentListsEveryReasonAndNoOther() throws {
        let documented = try documentedReasons()
        let sent = Set(RPCError.Reason.all.map(\.rawValue))
        #expect(sent.subtracting(documented).sorted() == [], "sent but not documented")
        #expect(documented.subtracting(sent).sorted() == [], "documented but never sent")
    }

    @Test func saleStatesModesAndWalletsAreSnakeCaseOnTheWire() throws {
        for state in SaleInfo.State.allCases {
            #expect(state.rawValue.wholeMatch(of: /[a-z]+(_[a-z]+)*/) != nil)
        }
        let sale = SaleInfo(
            saleID: "s1", lane: "front", mode: .qr, amount: 800, currency: "JPY", state: .partiallyRefunded,
            isFinal: true, wallet: .alipay)
        let value = try JSONValue(encoding: sale)
        #expect(value["state"] == "partially_refunded")
        #expect(value["mode"] == "qr")
        #expect(value["wallet"] == "alipay")
        let unknown =
            #"{"sale_id":"s","lane":"l","mode":"scan","amount":1,"currency":"JPY","state":"lost","final":true,"refunded_amount":0}"#
        #expect(throws: (any Error).self) { try JSONDecoder().decode(SaleInfo.self, from: Data(unknown.utf8)) }
    }
}
