import FuzzSupport

@testable import Devices

/// Keyboard-wedge scanners: `KeyboardWedgeDecoder` over xkbcommon's US layout, on key events
/// the input spells three bytes each (key code, value 0–2 and a gap in milliseconds, so that
/// the inter-key timeout fires too); the text it holds stays within its maximum length.
/// Made once: compiling the keymap costs milliseconds, the decoder's work microseconds. The fuzzer
/// runs one input at a time on one thread.
nonisolated(unsafe) private let translator: KeyTranslator = {
    guard let translator = try? KeyTranslator(layout: "us") else { preconditionFailure("no US layout (xkb-data)") }
    return translator
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKeyboardWedge(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    translator.reset()  // each input starts with no key held, as a scanner does after a code
    let maximumLength = 64
    var decoder = KeyboardWedgeDecoder(translator: translator, maximumLength: maximumLength, timeout: .milliseconds(50))
    var instant = ContinuousClock.Instant.now
    var offset = 0
    while offset + 3 <= bytes.count {
        instant = instant.advanced(by: .milliseconds(Int(bytes[offset + 2] % 100)))
        decoder.key(code: UInt16(bytes[offset]), value: Int32(bytes[offset + 1] % 3), at: instant) { output in
            if case .code(let code) = output { precondition(code.count <= maximumLength) }
        }
        offset += 3
    }
    _ = decoder.flush()
    precondition(!decoder.hasPendingKeys)
    return 0
}

runLibFuzzer(fuzzKeyboardWedge)
