/// Writes evemu event scripts (`E: sec.usec type code value`) of a scanner typing text, as
/// evemu-record would capture them from a USB keyboard-wedge scanner.
public enum EvemuScript {
    /// Keyboard layouts the scripts can type in.
    public enum Layout: Sendable {
        case us
        case jp
    }

    /// evdev key codes.
    public static let keyLeftShift: UInt16 = 42
    public static let keyEnter: UInt16 = 28
    public static let keyTab: UInt16 = 15

    /// The key (and whether Shift is held) typing a character in a layout.
    public static func key(for character: Character, layout: Layout) -> (code: UInt16, shift: Bool)? {
        let digits: [Character: UInt16] = [
            "1": 2, "2": 3, "3": 4, "4": 5, "5": 6, "6": 7, "7": 8, "8": 9, "9": 10, "0": 11,
        ]
        if let code = digits[character] { return (code, false) }
        let letters =
            Array("qwertyuiop").enumerated().map { ($0.element, UInt16(16 + $0.offset)) }
            + Array("asdfghjkl").enumerated().map { ($0.element, UInt16(30 + $0.offset)) }
            + Array("zxcvbnm").enumerated().map { ($0.element, UInt16(44 + $0.offset)) }
        for (letter, code) in letters {
            if character == letter { return (code, false) }
            if character == Character(letter.uppercased()) { return (code, true) }
        }
        switch (layout, character) {
        case (.us, "!"): return (2, true)
        case (.us, "@"): return (3, true)
        case (.us, "#"): return (4, true)
        case (.us, "-"): return (12, false)
        case (.us, "_"): return (12, true)
        case (.us, ":"): return (39, true)
        case (.us, "/"): return (53, false)
        case (.us, "?"): return (53, true)
        case (.jp, "!"): return (2, true)
        case (.jp, "\""): return (3, true)
        case (.jp, "#"): return (4, true)
        case (.jp, "-"): return (12, false)
        case (.jp, "="): return (12, true)
        case (.jp, "@"): return (26, false)
        case (.jp, ":"): return (40, false)
        case (.jp, "*"): return (40, true)
        case (.jp, "_"): return (89, true)  // KEY_RO
        case (.jp, "/"): return (53, false)
        case (.jp, "?"): return (53, true)
        default: return nil
        }
    }

    /// Press and release events for `text` followed by Enter (or Tab), `gap` seconds between keys,
    /// with a pause of `pauseBefore` seconds before the character at that index.
    public static func typing(
        _ text: String, layout: Layout, end: UInt16? = keyEnter, start: Double = 100.0, gap: Double = 0.0005,
        pause: (index: Int, seconds: Double)? = nil
    ) -> String {
        var lines = ["# EVEMU 1.3"]
        var time = start
        func emit(_ type: Int, _ code: UInt16, _ value: Int) {
            lines.append(
                "E: \(Int(time)).\(String(format6: Int((time - Double(Int(time))) * 1_000_000))) "
                    + "\(String(format4: type)) \(String(format4: Int(code))) \(value)")
        }
        func press(_ code: UInt16, shift: Bool) {
            if shift {
                emit(1, keyLeftShift, 1)
                emit(0, 0, 0)
            }
            emit(1, code, 1)
            emit(0, 0, 0)
            time += gap / 2
            emit(1, code, 0)
            emit(0, 0, 0)
            if shift {
                emit(1, keyLeftShift, 0)
                emit(0, 0, 0)
            }
            time += gap / 2
        }
        for (index, character) in text.enumerated() {
            if let pause, pause.index == index { time += pause.seconds }
            guard let key = key(for: character, layout: layout) else { preconditionFailure("no key for \(character)") }
            press(key.code, shift: key.shift)
        }
        if let end { press(end, shift: false) }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    fileprivate init(format6 value: Int) {
        let digits = String(value)
        self = String(repeating: "0", count: Swift.max(0, 6 - digits.count)) + digits
    }

    fileprivate init(format4 value: Int) {
        let digits = String(value, radix: 16)
        self = String(repeating: "0", count: Swift.max(0, 4 - digits.count)) + digits
    }
}
