import Testing

@testable import Devices

/// libxkbcommon translation of evdev key codes, without a device.
@Suite struct KeyTranslatorTests {
    func type(_ keys: [(code: UInt16, shift: Bool)], layout: String) throws -> String {
        let translator = try KeyTranslator(layout: layout)
        var text = ""
        for key in keys {
            if key.shift { _ = translator.key(code: 42, value: 1) }
            text += translator.key(code: key.code, value: 1) ?? ""
            _ = translator.key(code: key.code, value: 0)
            if key.shift { _ = translator.key(code: 42, value: 0) }
        }
        return text
    }

    @Test(arguments: ["us", "jp"])
    func keypadDigitsTypeDigitsWithNumLockOn(layout: String) throws {
        // KEY_KP1 … KEY_KP9, KEY_KP0
        let keypad: [UInt16] = [79, 80, 81, 75, 76, 77, 71, 72, 73, 82]
        #expect(try type(keypad.map { ($0, false) }, layout: layout) == "1234567890")
    }

    @Test func theYenAndRoKeysOfAJISKeyboardTypeTheirCharacters() throws {
        // KEY_YEN (124) and KEY_RO (89) both type a backslash on jp (xkeyboard-config maps the yen
        // key to U+005C, which JIS fonts draw as ¥); shifted they type | and _.
        let typed = try type([(124, false), (124, true), (89, false), (89, true)], layout: "jp")
        #expect(typed == "\\|\\_")
    }

    @Test func capsLockIsTrackedLikeTheLayoutSays() throws {
        // KEY_CAPSLOCK (58) then a, then Shift+a: caps inverts the shift of letters.
        #expect(try type([(30, false), (58, false), (30, false), (30, true)], layout: "us") == "aAa")
    }

    @Test func resetForgetsAHeldShift() throws {
        let translator = try KeyTranslator(layout: "us")
        _ = translator.key(code: 42, value: 1)  // Shift down, its release lost with a SYN_DROPPED
        #expect(translator.key(code: 30, value: 1) == "A")
        translator.reset()
        #expect(translator.key(code: 30, value: 1) == "a")
    }
}
