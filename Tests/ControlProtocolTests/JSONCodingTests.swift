import Foundation
import QFPaySandbox
import Testing

@testable import ControlProtocol

/// The protocol's own JSON writer, parser and value encoder against Foundation's `JSONEncoder`
/// and `JSONDecoder`, which they replaced on the hot path: the same bytes out, the same values in.
@Suite struct JSONCodingTests {
    static func foundationLine(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    /// Values of every shape, from a seeded generator (the same ones on every run).
    static func randomValues(count: Int) -> [JSONValue] {
        var generator = SplitMix64(seed: 20_261_207)
        let alphabet: [String] = [
            "a", "Z", "_", "0", " ", "/", "\"", "\\", "\n", "\r", "\t", "\u{8}", "\u{c}", "\u{1}", "\u{1f}", "\u{7f}",
            "é", "日本", "😀", "\u{2028}", "\u{0}",
        ]
        func string() -> String {
            (0..<Int.random(in: 0...8, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
                .joined()
        }
        func value(_ depth: Int) -> JSONValue {
            switch Int.random(in: 0...(depth > 3 ? 4 : 6), using: &generator) {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &generator))
            case 2:
                return .integer(
                    [Int64.min, Int64.max, 0, -1, Int64.random(in: -1_000_000...1_000_000, using: &generator)]
                        .randomElement(using: &generator)!)
            case 3:
                return .double(
                    [0.5, -1.25, 1e-7, 1e21, 0.1, 3.141592653589793, 1.5e300, -2.5e-300].randomElement(
                        using: &generator)!)
            case 4: return .string(string())
            case 5: return .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in value(depth + 1) })
            default:
                var members: [String: JSONValue] = [:]
                for _ in 0..<Int.random(in: 0...4, using: &generator) { members[string()] = value(depth + 1) }
                return .object(members)
            }
        }
        return (0..<count).map { _ in value(0) }
    }

    @Test func theWriterWritesWhatJSONEncoderWritesByteForByte() throws {
        for value in Self.randomValues(count: 2000) {
            #expect(JSONWriter.bytes(of: value) == (try Self.foundationLine(value)), "\(value)")
        }
    }

    @Test func aWholeNumberDoubleIsWrittenWithoutItsFractionAndNonFiniteAsNull() {
        #expect(
            String(
                decoding: JSONWriter.bytes(of: [.double(1.0), .double(123456789012.0), .double(-0.5)]), as: UTF8.self)
                == "[1,123456789012,-0.5]")
        #expect(
            String(decoding: JSONWriter.bytes(of: [.double(.nan), .double(-.infinity)]), as: UTF8.self) == "[null,null]"
        )
    }

    @Test func theParserReadsBackWhatWasWrittenAsJSONDecoderDoes() throws {
        for value in Self.randomValues(count: 2000) {
            let text = JSONWriter.bytes(of: value)
            let ours = try JSONParser.parse(text)
            let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(text))
            #expect(ours == foundation, "\(String(decoding: text, as: UTF8.self))")
        }
    }

    /// Texts at JSON's edges, with what each must give (nil: refused).
    static let edges: [(String, JSONValue?)] = [
        ("1.0", 1), ("1e3", 1000), ("1E2", 100), ("-0", 0), ("-0.0", 0), ("1.5", .double(1.5)), ("0e0", 0),
        ("1.0e+2", 100),
        ("9223372036854775807", .integer(.max)), ("-9223372036854775808", .integer(.min)),
        ("9223372036854775808", .double(9_223_372_036_854_775_808)),
        ("12345678901234567890", .double(12345678901234567890)),
        (" 1 ", 1), ("[]", []), ("{}", [:]), (#""\/""#, "/"), (#""\u0000""#, "\u{0}"), (#""\ud83d\ude00""#, "😀"),
        (#"{"a":1,"a":2}"#, ["a": 1]), (#""a\u00e9\n""#, "aé\n"), ("\"\u{7f}\"", "\u{7f}"),
        ("1e400", nil), ("01", nil), ("+1", nil), (".5", nil), ("1.", nil), ("-", nil), ("1e", nil), ("NaN", nil),
        ("Infinity", nil), ("tru", nil), ("nul", nil), (#"{"a":1}x"#, nil), ("\"tab\there\"", nil),
        (#""\ud800""#, nil), (#""\udc00""#, nil), (#""\x""#, nil), ("\"open", nil), ("[1,2", nil), ("", nil),
        ("[1,2,]", nil), (#"{"a":1,}"#, nil), ("{1:2}", nil), (#"{"a" 1}"#, nil),
    ]

    @Test(arguments: edges.indices)
    func aTextAtJSONsEdgesGivesItsValueOrIsRefused(_ index: Int) {
        let (text, expected) = Self.edges[index]
        let parsed = try? JSONParser.parse(Array(text.utf8))
        #expect(parsed == expected, "\(text.debugDescription)")
        // JSONDecoder agrees, except on trailing commas, which are not JSON and which it allows.
        if !text.contains(",]") && !text.contains(",}") {
            let foundation = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            #expect(parsed == foundation, "\(text.debugDescription)")
        }
    }

    @Test func invalidUTF8AndDeepNestingAreRefused() {
        #expect((try? JSONParser.parse([UInt8(ascii: "\""), 0xFF, UInt8(ascii: "\"")])) == nil)
        let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect((try? JSONParser.parse(Array(deep.utf8))) == nil)
        let allowed = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect((try? JSONParser.parse(Array(allowed.utf8))) != nil)
    }

    struct Nested: Codable, Equatable {
        enum Kind: String, Codable { case first, second }
        var kind: Kind
        var name: String?
        var missing: Int?
        var values: [Int64]
        var matrix: [[Double]]
        var table: [String: Bool]
        var data: Data
        var url: URL
        var date: Date
        var big: UInt64
        var child: [Nested]
    }

    @Test func theValueEncoderGivesWhatJSONEncoderWrites() throws {
        let leaf = Nested(
            kind: .second, name: nil, missing: nil, values: [], matrix: [[]], table: [:], data: Data(),
            url: URL(string: "https://example.com/a?b=c")!, date: Date(timeIntervalSinceReferenceDate: 0.5), big: 0,
            child: [])
        let value = Nested(
            kind: .first, name: "名前/\"x\"", missing: nil, values: [1, -2, .max], matrix: [[1.5, 2], [1e-7]],
            table: ["b": true, "a": false], data: Data([0, 1, 254, 255]), url: URL(string: "file:///tmp/x")!,
            date: Date(timeIntervalSince1970: 1_765_000_000.25), big: UInt64(Int64.max), child: [leaf, leaf])
        let direct = try JSONValue(encoding: value)
        #expect(JSONWriter.bytes(of: direct) == (try Self.foundationLine(value)))
        // A whole double stays a double here; through text it reads back as an integer.
        let viaText = try JSONDecoder().decode(JSONValue.self, from: Data(try Self.foundationLine(value)))
        #expect(try JSONParser.parse(JSONWriter.bytes(of: direct)) == viaText)
    }

    @Test func aSaleGivesTheSameParamsAsThroughJSONText() throws {
        let sales = [
            SaleInfo(
                saleID: "S1", lane: "A", mode: .scan, amount: 1, currency: "JPY", state: .awaitingScan, isFinal: false),
            SaleInfo(
                saleID: "S2", orderID: "O2", outTradeNo: "202612071530001", lane: "lane-1", mode: .qr,
                amount: 99_999_999,
                currency: "JPY", state: .refunded, isFinal: true, wallet: .alipay, respcd: "0000",
                respcdMeaning: "Success", message: "ok", syssn: "2026", qrcode: "https://qr.example/q/1",
                authCodeMasked: "1345********1234", refundedAmount: 500, createdAt: "2026-12-07T15:30:00.123+09:00",
                updatedAt: "2026-12-07T15:30:00.456+09:00"),
        ]
        for sale in sales {
            let viaText = try JSONDecoder().decode(JSONValue.self, from: Data(try Self.foundationLine(sale)))
            #expect(try JSONValue(encoding: sale) == viaText)
        }
    }
}
