/// How a scanner is read: serial line parameters, framing, stripping, limits and keyboard layout.
/// Every field has a default that suits a USB scanner in its factory setting (CR suffix, `us`).
public struct ScannerSettings: Sendable, Equatable, Codable {
    /// Parity of a serial line.
    public enum Parity: String, Sendable, Codable, CaseIterable { case none, even, odd }

    /// Flow control of a serial line.
    public enum FlowControl: String, Sendable, Codable, CaseIterable {
        case none
        /// RTS/CTS.
        case hardware
        /// XON/XOFF.
        case software
    }

    /// The suffix that ends a code on a serial line.
    public enum Terminator: String, Sendable, Codable, CaseIterable {
        case cr, lf, crlf, tab, etx

        /// The bytes of the suffix.
        public var bytes: [UInt8] {
            switch self {
            case .cr: [0x0D]
            case .lf: [0x0A]
            case .crlf: [0x0D, 0x0A]
            case .tab: [0x09]
            case .etx: [0x03]
            }
        }
    }

    /// Serial line speed in bits per second (1200…921600).
    public var baudRate: Int
    /// Data bits: 5, 6, 7 or 8.
    public var dataBits: Int
    public var parity: Parity
    /// Stop bits: 1 or 2.
    public var stopBits: Int
    public var flowControl: FlowControl
    /// The suffix ending each code on a serial line; nil frames codes by `interCharacterTimeoutMilliseconds`.
    public var terminator: Terminator?
    /// Serial: with a terminator, a partial code older than this is dropped; without one, this
    /// silence ends a code. Keyboard wedge: a gap this long between keys drops the partial code.
    public var interCharacterTimeoutMilliseconds: Int
    /// A prefix the scanner is programmed to send before each code; stripped when present.
    public var prefix: String
    /// A suffix the scanner sends before the terminator; stripped when present.
    public var suffix: String
    /// The scanner sends an AIM symbology identifier (`]E0`, `]Q1`) before each code: strip it
    /// and report the symbology.
    public var aimSymbologyIdentifier: Bool
    /// Codes shorter than this are noise (a bumped trigger, a stray key).
    public var minimumLength: Int
    /// Codes longer than this are overlong input and dropped; also bounds every read buffer.
    public var maximumLength: Int
    /// xkeyboard-config layout for keyboard-wedge scanners: `us` (default), `jp` for JIS scanners.
    public var keyboardLayout: String
    /// xkeyboard-config layout variant, if any.
    public var keyboardVariant: String
    /// Keyboard wedge: refuse to read unless the device is grabbed exclusively, so that no code
    /// leaks into the till's keyboard focus.
    public var requiresExclusiveGrab: Bool

    public init(
        baudRate: Int = 9600, dataBits: Int = 8, parity: Parity = .none, stopBits: Int = 1,
        flowControl: FlowControl = .none, terminator: Terminator? = .cr, interCharacterTimeoutMilliseconds: Int = 100,
        prefix: String = "", suffix: String = "", aimSymbologyIdentifier: Bool = false, minimumLength: Int = 4,
        maximumLength: Int = 512, keyboardLayout: String = "us", keyboardVariant: String = "",
        requiresExclusiveGrab: Bool = true
    ) {
        self.baudRate = baudRate
        self.dataBits = dataBits
        self.parity = parity
        self.stopBits = stopBits
        self.flowControl = flowControl
        self.terminator = terminator
        self.interCharacterTimeoutMilliseconds = interCharacterTimeoutMilliseconds
        self.prefix = prefix
        self.suffix = suffix
        self.aimSymbologyIdentifier = aimSymbologyIdentifier
        self.minimumLength = minimumLength
        self.maximumLength = maximumLength
        self.keyboardLayout = keyboardLayout
        self.keyboardVariant = keyboardVariant
        self.requiresExclusiveGrab = requiresExclusiveGrab
    }

    private enum CodingKeys: String, CodingKey {
        case baudRate, dataBits, parity, stopBits, flowControl, terminator, interCharacterTimeoutMilliseconds
        case prefix, suffix, aimSymbologyIdentifier, minimumLength, maximumLength, keyboardLayout, keyboardVariant
        case requiresExclusiveGrab
    }

    public init(from decoder: any Decoder) throws {
        let defaults = ScannerSettings()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try container.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        baudRate = try value(.baudRate, defaults.baudRate)
        dataBits = try value(.dataBits, defaults.dataBits)
        parity = try value(.parity, defaults.parity)
        stopBits = try value(.stopBits, defaults.stopBits)
        flowControl = try value(.flowControl, defaults.flowControl)
        if container.contains(.terminator), try container.decodeNil(forKey: .terminator) {
            terminator = nil
        } else if let text = try container.decodeIfPresent(String.self, forKey: .terminator), text == "none" {
            terminator = nil
        } else {
            terminator = try value(.terminator, defaults.terminator)
        }
        interCharacterTimeoutMilliseconds = try value(
            .interCharacterTimeoutMilliseconds, defaults.interCharacterTimeoutMilliseconds)
        prefix = try value(.prefix, defaults.prefix)
        suffix = try value(.suffix, defaults.suffix)
        aimSymbologyIdentifier = try value(.aimSymbologyIdentifier, defaults.aimSymbologyIdentifier)
        minimumLength = try value(.minimumLength, defaults.minimumLength)
        maximumLength = try value(.maximumLength, defaults.maximumLength)
        keyboardLayout = try value(.keyboardLayout, defaults.keyboardLayout)
        keyboardVariant = try value(.keyboardVariant, defaults.keyboardVariant)
        requiresExclusiveGrab = try value(.requiresExclusiveGrab, defaults.requiresExclusiveGrab)
        try validate()
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(baudRate, forKey: .baudRate)
        try container.encode(dataBits, forKey: .dataBits)
        try container.encode(parity, forKey: .parity)
        try container.encode(stopBits, forKey: .stopBits)
        try container.encode(flowControl, forKey: .flowControl)
        try container.encode(terminator?.rawValue ?? "none", forKey: .terminator)
        try container.encode(interCharacterTimeoutMilliseconds, forKey: .interCharacterTimeoutMilliseconds)
        try container.encode(prefix, forKey: .prefix)
        try container.encode(suffix, forKey: .suffix)
        try container.encode(aimSymbologyIdentifier, forKey: .aimSymbologyIdentifier)
        try container.encode(minimumLength, forKey: .minimumLength)
        try container.encode(maximumLength, forKey: .maximumLength)
        try container.encode(keyboardLayout, forKey: .keyboardLayout)
        try container.encode(keyboardVariant, forKey: .keyboardVariant)
        try container.encode(requiresExclusiveGrab, forKey: .requiresExclusiveGrab)
    }

    /// Checks ranges; throws `invalidConfiguration` naming the bad field.
    public func validate() throws {
        let bauds = SerialPort.supportedBaudRates
        guard bauds.keys.contains(baudRate) else {
            throw DevicesError(.invalidConfiguration, "baudRate \(baudRate) is not one of \(bauds.keys.sorted())")
        }
        guard (5...8).contains(dataBits) else { throw DevicesError(.invalidConfiguration, "dataBits must be 5-8") }
        guard (1...2).contains(stopBits) else { throw DevicesError(.invalidConfiguration, "stopBits must be 1 or 2") }
        guard interCharacterTimeoutMilliseconds > 0 else {
            throw DevicesError(.invalidConfiguration, "interCharacterTimeoutMilliseconds must be positive")
        }
        guard minimumLength >= 1, maximumLength >= minimumLength, maximumLength <= 65_536 else {
            throw DevicesError(.invalidConfiguration, "need 1 <= minimumLength <= maximumLength <= 65536")
        }
    }
}
