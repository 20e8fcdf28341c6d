import ControlProtocol
import Testing

@Suite struct MessageEncodingTests {
    @Test func aResponseIsOneLineWithSortedKeys() {
        let line = Response.result(["b": 1, "a": "x/y"], id: .number(3)).encodedLine()
        #expect(String(decoding: line, as: UTF8.self) == #"{"id":3,"jsonrpc":"2.0","result":{"a":"x/y","b":1}}"# + "\n")
    }

    @Test func newlinesInsideStringsNeverBreakTheLine() {
        let line = EventNotification(method: "scan", params: ["text": "a\nb\r\nc"]).encodedLine()
        #expect(line.filter { $0 == UInt8(ascii: "\n") }.count == 1)
        #expect(line.last == UInt8(ascii: "\n"))
    }

    @Test func anErrorResponseCarriesCodeMessageAndReason() throws {
        let error = RPCError.invalidParams("amount is required", reason: .missingParam, field: "amount")
        let line = Response.error(error, id: .string("q")).encodedLine()
        let parsed = try IncomingMessage.parse(line.dropLast())
        #expect(parsed == .response(.error(error, id: .string("q"))))
        #expect(error.reason == .missingParam)
        #expect(error.data?["field"] == "amount")
    }

    @Test func aNotificationIsReadBackAsAnEvent() throws {
        let event = EventNotification(method: EventName.saleUpdated, params: ["sale_id": "s1", "state": "paid"])
        #expect(try IncomingMessage.parse(event.encodedLine().dropLast()) == .notification(event))
    }

    @Test func aRequestRoundTripsThroughTheServersParser() {
        let request = Request(id: .number(9), method: MethodName.saleGet, params: ["sale_id": "s1"])
        #expect(InboundLine.parse(request.encodedLine().dropLast()) == .request(request))
    }

    @Test func nonFiniteNumbersAreWrittenAsNull() {
        let line = Response.result(["x": .double(.nan)], id: .number(1)).encodedLine()
        #expect(String(decoding: line, as: UTF8.self).contains(#""x":null"#))
    }

    @Test func aLineThatIsNotJSONRPCIsAMalformedMessage() {
        #expect(throws: ControlProtocolError.self) { try IncomingMessage.parse(Array("{\"a\":1}".utf8)) }
        #expect(throws: ControlProtocolError.self) { try IncomingMessage.parse(Array("nope".utf8)) }
        #expect(throws: ControlProtocolError.self) {
            try IncomingMessage.parse(Array(#"{"jsonrpc":"2.0","id":1}"#.utf8))
        }
    }

    @Test func saleInfoUsesSnakeCaseOnTheWire() throws {
        let sale = SaleInfo(
            saleID: "s1", lane: "front", mode: .scan, amount: 1200, currency: "JPY", state: .paid, isFinal: true,
            authCodeMasked: "1346••••••••4254")
        let value = try JSONValue(encoding: sale)
        #expect(value["sale_id"] == "s1")
        #expect(value["final"] == true)
        #expect(value["auth_code"] == "1346••••••••4254")
        #expect(try value.decode(SaleInfo.self) == sale)
    }
}
