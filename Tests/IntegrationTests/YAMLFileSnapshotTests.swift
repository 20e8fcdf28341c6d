import Configuration
import QFPOSDaemon
import Testing

@Suite struct YAMLFileSnapshotTests {
    private func snapshot(_ yaml: String) throws -> YAMLFileSnapshot {
        let bytes = Array(yaml.utf8)
        return try YAMLFileSnapshot(data: bytes.span.bytes, providerName: "file", parsingOptions: .default)
    }

    private func value(_ snapshot: YAMLFileSnapshot, _ key: String, _ type: ConfigType) throws -> ConfigContent? {
        try snapshot.value(forKey: AbsoluteConfigKey(key.split(separator: ".").map(String.init)), type: type).value?
            .content
    }

    private let file = """
        lanes:
          ids: [front, back]
          front:
            scanner: { path: /dev/ttyACM0, baud: 9600 }
        numbers:
          hex: 0x1F
          underscored: 1_000
          octal: 0o17
          negative: -3
          ratio: 0.5
          infinite: .inf
          quoted: "42"
        flags:
          lower: true
          word: yes
          upper: OFF
          quoted: "true"
          odd: tRuE
        control:
          allowed_uids: [0, 1000]
        """

    @Test func scalarsAreTypedByTheYAMLRulesWhenAskedFor() throws {
        let values = try snapshot(file)
        #expect(try value(values, "lanes.ids", .stringArray) == .stringArray(["front", "back"]))
        #expect(try value(values, "lanes.front.scanner.path", .string) == .string("/dev/ttyACM0"))
        #expect(try value(values, "lanes.front.scanner.baud", .int) == .int(9600))
        #expect(try value(values, "numbers.hex", .int) == .int(31))
        #expect(try value(values, "numbers.underscored", .int) == .int(1000))
        #expect(try value(values, "numbers.octal", .int) == .int(15))
        #expect(try value(values, "numbers.negative", .int) == .int(-3))
        #expect(try value(values, "numbers.ratio", .double) == .double(0.5))
        #expect(try value(values, "numbers.infinite", .double) == .double(.infinity))
        #expect(try value(values, "numbers.quoted", .string) == .string("42"))
        #expect(try value(values, "flags.lower", .bool) == .bool(true))
        #expect(try value(values, "flags.word", .bool) == .bool(true))
        #expect(try value(values, "flags.upper", .bool) == .bool(false))
        #expect(try value(values, "control.allowed_uids", .intArray) == .intArray([0, 1000]))
        #expect(try value(values, "lanes.back.scanner.path", .string) == nil)
    }

    @Test func quotedOrOddScalarsAreNotNumbersOrBooleans() throws {
        let values = try snapshot(file)
        for (key, type) in [
            ("numbers.quoted", ConfigType.int), ("flags.quoted", .bool), ("flags.odd", .bool),
            ("lanes.front.scanner.path", .int), ("lanes.ids", .string), ("numbers.hex", .stringArray),
        ] {
            #expect(throws: (any Error).self, "\(key) as \(type)") { try value(values, key, type) }
        }
        #expect(try value(values, "flags.odd", .string) == .string("tRuE"))
    }

    @Test func aFileThatIsNotAMappingOrHasNestedListsIsRefused() throws {
        #expect(throws: (any Error).self) { try snapshot("- a\n- b\n") }
        #expect(throws: (any Error).self) { try snapshot("lanes:\n  ids: [[a]]\n") }
        #expect(throws: (any Error).self) { try snapshot("a: 1\na: 2\n") }
        #expect(try snapshot("").description == "file[0 values]")
    }
}
