import Glibc
import Logging
import TestSupport
import Testing

@testable import Devices

/// HID POS scanners (usage page 0x8C) with Honeywell's report layout.
@Suite struct HIDPOSScannerTests {
    let logger = Logger(label: "test.devices.hidpos")

    /// One 64-byte input report carrying `data`, an AIM identifier and the continuation bit.
    static func report(_ data: [UInt8], aim: String = "]Q1", moreFollows: Bool = false, id: UInt8 = 0x02) -> [UInt8] {
        var report = [UInt8](repeating: 0, count: 64)
        report[0] = id
        report[1] = UInt8(data.count)
        report.replaceSubrange(2..<(2 + data.count), with: data)
        report.replaceSubrange(58..<61, with: Array(aim.utf8))
        report[63] = moreFollows ? 1 : 0
        return report
    }

    @Test func aCodeSpanningTwoReportsIsJoinedAndItsSymbologyReported() {
        var decoder = HIDPOSReportDecoder(capacity: 512)
        let long = Array(repeating: UInt8(ascii: "A"), count: 56) + Array("BCD".utf8)
        var outputs = [HIDPOSReportDecoder.Output]()
        decoder.feed(Self.report(Array(long[0..<56]), moreFollows: true)) { outputs.append($0) }
        #expect(outputs.isEmpty)
        decoder.feed(Self.report(Array(long[56...]), aim: "]C0")) { outputs.append($0) }
        #expect(outputs == [.code(long, symbology: "Code 128")])
    }

    @Test func reportsOfOtherIdsAreIgnoredAndOverlongCodesDropped() {
        var decoder = HIDPOSReportDecoder(capacity: 100)
        var outputs = [HIDPOSReportDecoder.Output]()
        decoder.feed(Self.report(Array("123456".utf8), id: 0x04)) { outputs.append($0) }
        #expect(outputs.isEmpty)
        for _ in 0..<3 {
            decoder.feed(Self.report([UInt8](repeating: 0x31, count: 56), moreFollows: true)) { outputs.append($0) }
        }
        decoder.feed(Self.report([0x31])) { outputs.append($0) }
        #expect(outputs == [.overlong(169)])
        decoder.feed(Self.report(Array("4901234567894".utf8), aim: "]E0")) { outputs.append($0) }
        #expect(outputs.last == .code(Array("4901234567894".utf8), symbology: "EAN-13"))
    }

    @Test func aHIDPOSScannerOnAnEmulatedHidrawNodeDeliversAPaymentCode() async throws {
        try await UmockdevTestbed.withTestbed { testbed in
            let device = FakeDevices.hidPOSScanner()
            try testbed.add(device.description)
            let inbox = Inbox<ScannerOutput>()
            let scanner = HIDPOSScanner(
                path: device.node, deviceID: "hidpos", settings: ScannerSettings(), logger: logger
            ) {
                inbox.put($0)
            }
            try scanner.start()
            defer { scanner.stop() }
            let report = Self.report(Array("284567890123456789".utf8))
            let controller = testbed.controllerDescriptor(of: device.node)
            #expect(report.withUnsafeBytes { write(controller, $0.baseAddress, $0.count) } == 64)
            let output = try await inbox.next()
            guard case .scan(let event) = output else {
                Issue.record("expected a scan, got \(output)")
                return
            }
            #expect(event.text == "284567890123456789")
            #expect(event.symbology == "QR Code")
            #expect(event.classification == .payment(wallet: .alipay, payType: .alipayBarcode))
            #expect(event.source.transport == .hidPOS)
        }
    }
}
