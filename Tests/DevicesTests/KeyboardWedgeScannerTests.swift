import Devices
import Glibc
import Logging
import QFPay
import TestSupport
import Testing

/// Keyboard-wedge scanners typing into an emulated evdev node (umockdev), replayed from evemu
/// event scripts: exclusive grab, libxkbcommon layouts, Enter/Tab, inter-key timeout.
@Suite struct KeyboardWedgeScannerTests {
    let logger = Logger(label: "test.devices.wedge")
    static let wechatCode = "134567890123456789"

    /// Plugs a wedge scanner into the testbed, starts a scanner on it with `settings`, replays
    /// `events`, and returns the first `count` outputs.
    /// Settings with an inter-key timeout far longer than any scheduling delay of a loaded test
    /// machine, so that only a deliberate pause drops a partial code.
    static func settings(layout: String = "us", minimumLength: Int = 4, timeout: Int = 30_000) -> ScannerSettings {
        ScannerSettings(
            interCharacterTimeoutMilliseconds: timeout, minimumLength: minimumLength, keyboardLayout: layout)
    }

    func read(
        _ events: String, settings: ScannerSettings = settings(), count: Int = 1
    ) async throws -> [ScannerOutput] {
        try await UmockdevTestbed.withTestbed { testbed in
            let wedge = FakeDevices.keyboard()
            try testbed.emulateEvdevGrab(on: wedge.node)
            try testbed.add(wedge.description)
            let inbox = Inbox<ScannerOutput>()
            let scanner = try KeyboardWedgeScanner(
                path: wedge.node, deviceID: "wedge", settings: settings, logger: logger
            ) { inbox.put($0) }
            try scanner.start()
            defer { scanner.stop() }
            try testbed.replayEvemuEvents(events, on: wedge.node)
            var outputs = [ScannerOutput]()
            for _ in 0..<count { outputs.append(try await inbox.next()) }
            return outputs
        }
    }

    func texts(_ outputs: [ScannerOutput]) -> [String] {
        outputs.map { output in
            if case .scan(let event) = output { return event.text }
            return "\(output)"
        }
    }

    @Test func anEighteenDigitWeChatCodeTypedInJPLayoutComesOutExactly() async throws {
        let outputs = try await read(
            EvemuScript.typing(Self.wechatCode, layout: .jp), settings: Self.settings(layout: "jp"))
        #expect(texts(outputs) == [Self.wechatCode])
        guard case .scan(let event) = outputs.first else { return }
        #expect(event.classification == .payment(wallet: .wechat, payType: .wechatBarcode))
        #expect(event.source.transport == .keyboardWedge)
    }

    @Test func theSameCodeTypedInUSLayoutComesOutExactly() async throws {
        let outputs = try await read(EvemuScript.typing(Self.wechatCode, layout: .us))
        #expect(texts(outputs) == [Self.wechatCode])
    }

    @Test func shiftedCharactersFollowTheJPLayout() async throws {
        // On a JIS keyboard Shift+2 is ", @ has its own key, and Shift+- is =.
        let text = "AB\"@=*_x?1"
        let outputs = try await read(
            EvemuScript.typing(text, layout: .jp),
            settings: Self.settings(layout: "jp", minimumLength: 1))
        #expect(texts(outputs) == [text])
    }

    @Test func shiftedCharactersFollowTheUSLayout() async throws {
        let text = "AB@!#_:?x1"
        let outputs = try await read(EvemuScript.typing(text, layout: .us), settings: Self.settings(minimumLength: 1))
        #expect(texts(outputs) == [text])
    }

    @Test func jpKeysReadWithAUSLayoutGiveUSCharacters() async throws {
        // The layout matters: the keys a JIS scanner presses for " mean @ on a US keymap.
        let outputs = try await read(
            EvemuScript.typing("1\"2", layout: .jp), settings: Self.settings(minimumLength: 1))
        #expect(texts(outputs) == ["1@2"])
    }

    @Test func tabEndsACodeLikeEnter() async throws {
        let script =
            EvemuScript.typing(Self.wechatCode, layout: .us, end: EvemuScript.keyTab)
            + EvemuScript.typing("4901234567894", layout: .us, start: 101)
        let outputs = try await read(script, count: 2)
        #expect(texts(outputs) == [Self.wechatCode, "4901234567894"])
    }

    @Test func aPauseLongerThanTheInterKeyTimeoutDropsThePartialCode() async throws {
        // Five keys, then a pause: those five are dropped as partial; the next full code arrives.
        let script = EvemuScript.typing("13456" + Self.wechatCode, layout: .us, pause: (index: 5, seconds: 4))
        let outputs = try await UmockdevTestbed.withTestbed { testbed in
            let wedge = FakeDevices.keyboard()
            try testbed.emulateEvdevGrab(on: wedge.node)
            try testbed.add(wedge.description)
            let inbox = Inbox<ScannerOutput>()
            let scanner = try KeyboardWedgeScanner(
                path: wedge.node, deviceID: "wedge", settings: Self.settings(timeout: 1_500), logger: logger
            ) { inbox.put($0) }
            try scanner.start()
            defer { scanner.stop() }
            try testbed.replayEvemuEvents(script, on: wedge.node)
            var outputs = [try await inbox.next()]
            while case .dropped = outputs.last { outputs.append(try await inbox.next()) }
            return outputs
        }
        // However the machine schedules the replay, the first five keys never make a code.
        let drops = outputs.dropLast().compactMap { output -> ScanDrop? in
            if case .dropped(let drop) = output { return drop }
            return nil
        }
        #expect(!drops.isEmpty)
        #expect(drops.allSatisfy { $0.reason == .partial })
        #expect(drops.map(\.length).reduce(0, +) == 5)
        #expect(texts([outputs.last!]) == [Self.wechatCode])
    }

    @Test func anUnknownLayoutIsAClearError() {
        #expect(throws: DevicesError.self) {
            _ = try KeyboardWedgeScanner(
                path: "/dev/null", deviceID: "x", settings: ScannerSettings(keyboardLayout: "no-such-layout"),
                logger: logger
            ) { _ in }
        }
    }

    @Test func aScannerThatCannotBeGrabbedIsRefused() async throws {
        try await UmockdevTestbed.withTestbed { testbed in
            let wedge = FakeDevices.keyboard()
            try testbed.emulateEvdevGrab(on: wedge.node, failingWith: EBUSY)  // another process holds it
            try testbed.add(wedge.description)
            let scanner = try KeyboardWedgeScanner(
                path: wedge.node, deviceID: "wedge", settings: ScannerSettings(), logger: logger
            ) { _ in }
            #expect {
                try scanner.start()
            } throws: { error in
                (error as? DevicesError)?.code == .grabFailed
            }
        }
    }
}
