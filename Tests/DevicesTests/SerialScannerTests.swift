import Foundation
import Glibc
import Logging
import QFPay
import TestSupport
import Testing

@testable import Devices

/// Serial scanners over pty pairs, at the byte level.
@Suite struct SerialScannerTests {
    let logger = Logger(label: "test.devices.serial")
    static let wechatCode = "134567890123456789"
    static let alipayCode = "284567890123456789"

    /// A scanner reading the subordinate side of a fresh pty; the test writes on the controller side.
    func attach(
        _ settings: ScannerSettings = ScannerSettings()
    ) throws -> (PseudoTerminal, SerialScanner, Inbox<ScannerOutput>) {
        let pty = try PseudoTerminal()
        let inbox = Inbox<ScannerOutput>()
        let scanner = SerialScanner(path: pty.devicePath, deviceID: "pty-scanner", settings: settings, logger: logger) {
            inbox.put($0)
        }
        try scanner.start()
        return (pty, scanner, inbox)
    }

    func nextScan(_ inbox: Inbox<ScannerOutput>) async throws -> ScanEvent {
        let output = try await inbox.next()
        guard case .scan(let event) = output else { throw TestSupportError("expected a scan, got \(output)") }
        return event
    }

    func nextDrop(_ inbox: Inbox<ScannerOutput>) async throws -> ScanDrop {
        let output = try await inbox.next()
        guard case .dropped(let drop) = output else { throw TestSupportError("expected a drop, got \(output)") }
        return drop
    }

    @Test(arguments: ScannerSettings.Terminator.allCases)
    func eachTerminatorEndsACode(terminator: ScannerSettings.Terminator) async throws {
        let (pty, scanner, inbox) = try attach(ScannerSettings(terminator: terminator))
        defer { scanner.stop() }
        try pty.write(Array(Self.wechatCode.utf8) + terminator.bytes)
        let event = try await nextScan(inbox)
        #expect(event.text == Self.wechatCode)
        #expect(event.classification == .payment(wallet: .wechat, payType: .wechatBarcode))
        #expect(event.maskedText == "1345••••••••••6789")
        #expect(event.source.transport == .serial)
    }

    @Test func aCodeSplitAcrossReadsArrivesWhole() async throws {
        // A generous timeout: however slowly the bytes come here, they are one code.
        let (pty, scanner, inbox) = try attach(
            ScannerSettings(terminator: .crlf, interCharacterTimeoutMilliseconds: 60_000))
        defer { scanner.stop() }
        let bytes = Array((Self.alipayCode + "\r\n").utf8)
        for byte in bytes {
            try pty.write([byte])
            try await Task.sleep(for: .milliseconds(1))  // separate reads: the scanner sees a byte at a time
        }
        let event = try await nextScan(inbox)
        #expect(event.text == Self.alipayCode)
        #expect(event.classification == .payment(wallet: .alipay, payType: .alipayBarcode))
        #expect(inbox.pending.isEmpty)
    }

    @Test func severalCodesInOneReadArriveInOrder() async throws {
        let (pty, scanner, inbox) = try attach(ScannerSettings(terminator: .cr))
        defer { scanner.stop() }
        try pty.write("4901234567894\r" + Self.wechatCode + "\r" + Self.alipayCode + "\r")
        let product = try await nextScan(inbox)
        #expect(product.text == "4901234567894")
        #expect(product.classification == .productBarcode(symbology: "EAN-13"))
        #expect(product.symbology == "EAN-13")
        #expect(try await nextScan(inbox).text == Self.wechatCode)
        #expect(try await nextScan(inbox).text == Self.alipayCode)
    }

    @Test func prefixAndSuffixAreStripped() async throws {
        let (pty, scanner, inbox) = try attach(ScannerSettings(terminator: .etx, prefix: "\u{02}", suffix: "#"))
        defer { scanner.stop() }
        try pty.write([0x02] + Array((Self.wechatCode + "#").utf8) + [0x03])
        #expect(try await nextScan(inbox).text == Self.wechatCode)
    }

    @Test func aimSymbologyIdentifierIsStrippedAndReported() async throws {
        let (pty, scanner, inbox) = try attach(ScannerSettings(aimSymbologyIdentifier: true))
        defer { scanner.stop() }
        try pty.write("]Q1" + Self.wechatCode + "\r")
        let event = try await nextScan(inbox)
        #expect(event.text == Self.wechatCode)
        #expect(event.symbology == "QR Code")
    }

    @Test func withoutTerminatorSilenceEndsACode() async throws {
        let (pty, scanner, inbox) = try attach(ScannerSettings(terminator: nil, interCharacterTimeoutMilliseconds: 200))
        defer { scanner.stop() }
        try pty.write(Self.wechatCode)
        #expect(try await nextScan(inbox).text == Self.wechatCode)
        try pty.write(Self.alipayCode)
        #expect(try await nextScan(inbox).text == Self.alipayCode)
    }

    @Test func aPartialCodeIsDroppedAfterTheTimeoutAndTheNextCodeIsWhole() async throws {
        let (pty, scanner, inbox) = try attach(ScannerSettings(terminator: .cr, interCharacterTimeoutMilliseconds: 30))
        defer { scanner.stop() }
        try pty.write("1345678")
        let drop = try await nextDrop(inbox)
        #expect(drop.reason == .partial)
        #expect(drop.length == 7)
        try pty.write(Self.wechatCode + "\r")
        #expect(try await nextScan(inbox).text == Self.wechatCode)
    }

    @Test func noiseAndBinaryGarbageAreDroppedWithTheirReason() async throws {
        let (pty, scanner, inbox) = try attach(ScannerSettings(terminator: .cr))
        defer { scanner.stop() }
        try pty.write("\r")  // an empty frame is noise
        #expect(try await nextDrop(inbox).reason == .noise)
        try pty.write("12\r")  // a bumped trigger
        #expect(try await nextDrop(inbox).reason == .noise)
        try pty.write([0x31, 0x00, 0xFF, 0x80, 0x1B, 0x32, 0x33, 0x34, 0x0D])
        #expect(try await nextDrop(inbox).reason == .binary)
        try pty.write(Self.wechatCode + "\r")
        #expect(try await nextScan(inbox).text == Self.wechatCode)
    }

    @Test func textThatIsNoPaymentCodeIsDeliveredClassifiedAsSuch() async throws {
        let (pty, scanner, inbox) = try attach()
        defer { scanner.stop() }
        try pty.write("https://example.com/menu\r")
        let event = try await nextScan(inbox)
        #expect(event.classification == .notPaymentCode(reason: "not all digits"))
    }

    @Test func aOneMegabyteFloodIsDroppedAsOverlongAndTheScannerKeepsWorking() async throws {
        let (pty, scanner, inbox) = try attach(
            ScannerSettings(terminator: .cr, interCharacterTimeoutMilliseconds: 60_000))
        defer { scanner.stop() }
        let flood = [UInt8](repeating: UInt8(ascii: "7"), count: 1 << 20)
        try pty.write(flood + [0x0D] + Array((Self.wechatCode + "\r").utf8))
        let drop = try await nextDrop(inbox)
        #expect(drop.reason == .overlong)
        #expect(drop.length == 1 << 20)
        #expect(try await nextScan(inbox).text == Self.wechatCode)
    }

    @Test func theLineIsConfiguredFromTheSettings() async throws {
        let settings = ScannerSettings(
            baudRate: 19_200, dataBits: 7, parity: .even, stopBits: 2, flowControl: .hardware)
        let (pty, scanner, _) = try attach(settings)
        defer { scanner.stop() }
        var attributes = termios()
        #expect(tcgetattr(pty.controller, &attributes) == 0)
        #expect(cfgetispeed(&attributes) == speed_t(B19200))
        // A pty forces CS8 without parity; data bits and parity are checked on termios below.
        #expect(attributes.c_cflag & tcflag_t(CSTOPB) != 0)
        #expect(attributes.c_cflag & tcflag_t(CRTSCTS) != 0)
        #expect(attributes.c_lflag & tcflag_t(ICANON) == 0)
    }

    @Test(arguments: [
        (7, ScannerSettings.Parity.even, tcflag_t(CS7), tcflag_t(PARENB)),
        (8, .odd, tcflag_t(CS8), tcflag_t(PARENB | PARODD)),
        (5, .none, tcflag_t(CS5), tcflag_t(0)),
    ])
    func dataBitsAndParityGoToTermios(
        dataBits: Int, parity: ScannerSettings.Parity, size: tcflag_t, parityBits: tcflag_t
    ) {
        var attributes = termios()
        attributes.c_cflag = tcflag_t(CS8 | PARENB)
        SerialPort.apply(ScannerSettings(dataBits: dataBits, parity: parity, flowControl: .software), to: &attributes)
        #expect(attributes.c_cflag & tcflag_t(CSIZE) == size)
        #expect(attributes.c_cflag & tcflag_t(PARENB | PARODD) == parityBits)
        #expect(attributes.c_iflag & tcflag_t(IXON) != 0)
    }

    @Test func anIdleLineReadsAsNoDataNotAsAHangUp() throws {
        // The scanner's read source can wake after an earlier read took the bytes; that read must
        // say "nothing yet" (EAGAIN), not end of file, or the scanner is dropped as unplugged.
        let pty = try PseudoTerminal()
        let descriptor = try SerialPort.open(pty.devicePath, settings: ScannerSettings())
        defer { close(descriptor) }
        var byte: UInt8 = 0
        #expect(read(descriptor, &byte, 1) == -1)
        #expect(errno == EAGAIN)
        try pty.write("1")
        var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        #expect(poll(&ready, 1, 5_000) == 1)
        #expect(read(descriptor, &byte, 1) == 1)
        #expect(byte == UInt8(ascii: "1"))
        #expect(read(descriptor, &byte, 1) == -1)
        #expect(errno == EAGAIN)
    }

    @Test func aSecondOpenOfTheScannersPortFailsWhileItIsReadAndSucceedsOnceItStopped() async throws {
        let (pty, scanner, inbox) = try attach()
        // Another program: the kernel refuses the open (TIOCEXCL).
        let refused = try await SecondReader.open(pty.devicePath)
        #expect(refused == "Device or resource busy")
        // Another reader with CAP_SYS_ADMIN (this root test process), which the kernel lets in:
        // qfpos's own open checks first and refuses.
        #expect {
            try SerialPort.open(pty.devicePath, settings: ScannerSettings())
        } throws: { error in
            (error as? DevicesError)?.code == .busy
        }
        #expect(scanner.access == ScannerAccess(isExclusive: true))
        // The refused open took nothing away: the scanner still reads whole codes.
        try pty.write(Self.wechatCode + "\r")
        #expect(try await nextScan(inbox).text == Self.wechatCode)
        scanner.stop()
        #expect(try await SecondReader.open(pty.devicePath) == nil)
    }

    /// A scanner unplugged again and again (its pty's controller closed) is reported gone each
    /// time, whether the hang-up is read first or `stop()` races it. libdispatch's own hang-up
    /// handling can touch a freed muxnote when the source is cancelled meanwhile (the static
    /// scanner test below crashed so in 2 of 7 runs on a loaded machine); the reader now watches
    /// an epoll descriptor of its own (`DescriptorReader`).
    @Test func aScannerThatHangsUpTwoHundredTimesIsReportedGoneEachTimeAndTheProcessLives() async throws {
        for cycle in 0..<200 {
            var pty: PseudoTerminal? = try PseudoTerminal()
            let inbox = Inbox<ScannerOutput>()
            let gone = Inbox<Int32>()
            let scanner = SerialScanner(
                path: pty!.devicePath, deviceID: "pty-scanner", settings: ScannerSettings(), logger: logger,
                onDisconnect: { _, error in gone.put(error) }
            ) { inbox.put($0) }
            try scanner.start()
            try pty!.write(Self.wechatCode + "\r")
            #expect(try await nextScan(inbox).text == Self.wechatCode)
            pty = nil  // unplugged
            if cycle.isMultiple(of: 2) {
                scanner.stop()  // the hub's detach, racing the hang-up
            } else {
                let error = try await gone.next()
                #expect(error == 0 || error == EIO, "a hang-up, not errno \(error)")
                scanner.stop()
            }
        }
    }

    @Test func aMissingNodeIsAClearError() throws {
        let scanner = SerialScanner(
            path: "/nonexistent/ttyACM99", deviceID: "missing", settings: ScannerSettings(), logger: logger
        ) { _ in }
        #expect(throws: DevicesError.self) { try scanner.start() }
    }
}

/// Static scanners (a path in the configuration, such as an RS-232 port or a pty) in `ScannerHub`.
@Suite struct StaticScannerTests {
    let logger = Logger(label: "test.devices.static")

    @Test func aStaticScannerIsOpenedWhenItsNodeAppearsAndReopenedAfterItFails() async throws {
        // DeviceMonitor talks to the process's umockdev testbed: take it so no other monitor runs.
        try await UmockdevTestbed.withTestbed { _ in try await run() }
    }

    @Test func aPortAnotherReaderHoldsIsReportedBusyAndReadOnceItIsFree() async throws {
        try await UmockdevTestbed.withTestbed { _ in
            let pty = try PseudoTerminal()
            // Another reader holds the port exclusively (TIOCEXCL).
            let holder = try SerialPort.open(pty.devicePath, settings: ScannerSettings())
            let configuration = DevicesConfiguration(devices: [
                DeviceRule(name: "front", match: .staticPath(pty.devicePath), role: .scanner, lane: "front")
            ])
            let monitor = DeviceMonitor(configuration: configuration, logger: logger)
            let session = try await ScannerHubSession(monitor: monitor, configuration: configuration, logger: logger)
            defer { session.stop() }
            guard case .failed(let device, let error) = try await session.attachments.next() else {
                Issue.record("expected the busy port to fail")
                SerialPort.release(holder)
                close(holder)
                return
            }
            #expect(error.code == .busy)
            #expect(error.message.contains("held exclusively by another reader"))
            #expect(session.hub.readerStatus[device.id]?.isOpen == false)
            #expect(session.hub.readerStatus[device.id]?.problem?.contains("busy") == true)
            // The other reader lets go: the hub, trying every second, reads the port.
            SerialPort.release(holder)
            close(holder)
            #expect(try await session.attachments.next(within: 20) == .attached(device))
            #expect(session.hub.readerStatus[device.id] == ReaderStatus(isOpen: true, isExclusive: true))
            try pty.write("134567890123456789\r")
            guard case .scan(let event) = try await session.scans.next() else {
                Issue.record("expected a scan")
                return
            }
            #expect(event.text == "134567890123456789")
        }
    }

    private func run() async throws {
        let link = NSTemporaryDirectory() + "qfpos-static-\(UUID().uuidString)"
        defer { unlink(link) }
        let configuration = DevicesConfiguration(devices: [
            DeviceRule(name: "rs232", match: .staticPath(link), role: .scanner)
        ])
        let monitor = DeviceMonitor(configuration: configuration, logger: logger)
        let session = try await ScannerHubSession(monitor: monitor, configuration: configuration, logger: logger)
        defer { session.stop() }
        let (attachments, scans) = (session.attachments, session.scans)
        // The node is not there yet: the hub reports the failure and keeps trying.
        guard case .failed(let device, let error) = try await attachments.next() else {
            Issue.record("expected a failure first")
            return
        }
        #expect(device.node == link)
        #expect(error.code == .openFailed)
        var pty: PseudoTerminal? = try PseudoTerminal()
        #expect(symlink(pty!.devicePath, link) == 0)
        let attached = try await attachments.next()
        #expect(attached == .attached(device), "\(attached)")
        try pty!.write("134567890123456789\r")
        guard case .scan(let event) = try await scans.next() else {
            Issue.record("expected a scan")
            return
        }
        #expect(event.source.deviceID == "static-rs232")

        // The line goes away (EIO): the scanner is closed, then opened again once it is back.
        pty = nil
        #expect(try await attachments.next() == .detached(device))
        unlink(link)
        let second = try PseudoTerminal()
        #expect(symlink(second.devicePath, link) == 0)
        #expect(try await attachments.next(where: { $0 == .attached(device) }) == .attached(device))
        try second.write("284567890123456789\r")
        guard case .scan(let again) = try await scans.next() else {
            Issue.record("expected a scan after re-opening")
            return
        }
        #expect(again.text == "284567890123456789")
    }
}
