import ControlProtocol
import Testing

@Suite struct InboundLineTests {
    private func rejection(_ text: String) -> RPCError? {
        rejection(Array(text.utf8))
    }

    private func rejection(_ bytes: [UInt8]) -> RPCError? {
        if case .rejected(let response) = InboundLine.parse(bytes), case .failure(let error) = response.outcome {
            return error
        }
        return nil
    }

    @Test func aValidRequestIsParsedWithItsIDMethodAndParams() {
        let line = #"{"jsonrpc":"2.0","id":7,"method":"sale.start","params":{"amount":1200,"mode":"scan"}}"#
        #expect(
            InboundLine.parse(Array(line.utf8))
                == .request(Request(id: .number(7), method: "sale.start", params: ["amount": 1200, "mode": "scan"])))
    }

    @Test func aStringIDIsKeptAsAString() {
        let parsed = InboundLine.parse(Array(#"{"jsonrpc":"2.0","id":"a-1","method":"daemon.status"}"#.utf8))
        #expect(parsed == .request(Request(id: .string("a-1"), method: "daemon.status")))
    }

    @Test func aRequestWithoutIDIsANotification() {
        let parsed = InboundLine.parse(Array(#"{"jsonrpc":"2.0","method":"daemon.status"}"#.utf8))
        #expect(parsed == .request(Request(id: nil, method: "daemon.status")))
    }

    @Test func largeIntegersStayExact() {
        let parsed = InboundLine.parse(
            Array(#"{"jsonrpc":"2.0","id":1,"method":"m","params":{"amount":9007199254740993}}"#.utf8))
        guard case .request(let request) = parsed else {
            Issue.record("not a request: \(parsed)")
            return
        }
        #expect(request.params?["amount"] == .integer(9_007_199_254_740_993))
    }

    @Test func invalidUTF8IsAParseErrorWithItsOwnReason() {
        var bytes = Array(#"{"jsonrpc":"2.0","id":1,"method":"m","params":{"goods":""#.utf8)
        bytes += [0xC3, 0x28, 0xFF]
        bytes += Array(#""}}"#.utf8)
        let error = rejection(bytes)
        #expect(error?.code == -32700)
        #expect(error?.reason == .invalidUTF8)
    }

    @Test func garbageIsAParseError() {
        for garbage in ["{bad", "hello", "{\"jsonrpc\":\"2.0\",", "\u{0}\u{1}\u{2}", "}{"] {
            let error = rejection(garbage)
            #expect(error?.code == -32700, "\(garbage.debugDescription)")
            #expect(error?.reason == .invalidJSON)
        }
    }

    @Test func jsonThatIsNotAnObjectIsAnInvalidRequest() {
        for line in ["42", "\"text\"", "null", "true"] {
            let error = rejection(line)
            #expect(error?.code == -32600, "\(line)")
            #expect(error?.reason == .notAnObject)
        }
    }

    @Test func aWrongVersionIsAnInvalidRequestAnsweredWithTheRequestID() {
        let parsed = InboundLine.parse(Array(#"{"jsonrpc":"1.0","id":5,"method":"m"}"#.utf8))
        guard case .rejected(let response) = parsed, case .failure(let error) = response.outcome else {
            Issue.record("not rejected: \(parsed)")
            return
        }
        #expect(response.id == .number(5))
        #expect(error.code == -32600)
        #expect(error.reason == .badVersion)
    }

    @Test func aMissingOrNonStringMethodIsAnInvalidRequest() {
        #expect(rejection(#"{"jsonrpc":"2.0","id":1}"#)?.reason == .badMethod)
        #expect(rejection(#"{"jsonrpc":"2.0","id":1,"method":12}"#)?.reason == .badMethod)
        #expect(rejection(#"{"jsonrpc":"2.0","id":1,"method":""}"#)?.reason == .badMethod)
    }

    @Test func anIDThatIsAnObjectOrFractionIsRefused() {
        #expect(rejection(#"{"jsonrpc":"2.0","id":{"a":1},"method":"m"}"#)?.reason == .badID)
        #expect(rejection(#"{"jsonrpc":"2.0","id":1.5,"method":"m"}"#)?.reason == .badID)
    }

    @Test func scalarParamsAreRefused() {
        let error = rejection(#"{"jsonrpc":"2.0","id":1,"method":"m","params":"amount=1"}"#)
        #expect(error?.code == -32600)
        #expect(error?.reason == .badParams)
    }

    @Test func anEmptyBatchIsAnInvalidRequest() {
        #expect(rejection("[]")?.reason == .emptyBatch)
    }

    @Test func aBatchKeepsGoodAndBadElementsApart() {
        let parsed = InboundLine.parse(
            Array(#"[{"jsonrpc":"2.0","id":1,"method":"a"},7,{"jsonrpc":"2.0","method":"b"}]"#.utf8))
        guard case .batch(let elements) = parsed, elements.count == 3 else {
            Issue.record("not a batch of 3: \(parsed)")
            return
        }
        #expect(elements[0] == .request(Request(id: .number(1), method: "a")))
        if case .rejected(let response) = elements[1], case .failure(let error) = response.outcome {
            #expect(error.reason == .notAnObject)
        } else {
            Issue.record("element 2 not rejected")
        }
        #expect(elements[2] == .request(Request(id: nil, method: "b")))
    }
}
