import Devices
import ESCPOS
import Foundation
import Logging

/// Shared helpers of the printer tests.
enum PrinterTestSupport {
    /// Short timings so that tests run in milliseconds; timeouts are liveness bounds only.
    static let fastOptions = PrinterLink.Options(
        statusPollMilliseconds: 30, statusTimeoutMilliseconds: 1_000, reconnectMilliseconds: 30,
        completionTimeoutMilliseconds: 20_000, connectTimeoutMilliseconds: 2_000)

    static let quietLogger = Logger(label: "qfpos.test.printer") { _ in SwiftLogNoOpLogHandler() }

    /// A link to the serial printer at `path` (a pty printer), quiet, with `options`.
    static func link(
        _ path: String, profile: String = "epson-tm-t88-jp", options: PrinterLink.Options = fastOptions
    ) throws -> PrinterLink {
        PrinterLink(
            endpoint: .serial(path: path, settings: PrinterSerialSettings(baudRate: 115_200)),
            profile: try PrinterProfile.named(profile), logger: quietLogger, options: options)
    }

    /// Waits until `condition` holds, up to `seconds` (a liveness bound, not a timing assertion).
    static func eventually(seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    /// A small job that is easy to recognise.
    static func job(_ text: String) -> PrintJob {
        PrintJob(bytes: [0x1B, 0x40] + Array(text.utf8) + [0x0A, 0x1D, 0x56, 0x42, 0x00], label: text)
    }
}
