import Devices
import Dispatch
import Glibc
import Logging
import Synchronization
import TestSupport

/// Scanner latency: from the last byte of a code written to a pty (serial scanner), and from
/// the last evdev event written (keyboard-wedge scanner), to the `ScanEvent` delivered to the
/// daemon's handler. 10,000 scans each; prints p50, p99 and max.
func runScannerBenchmark() async throws {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
        // Blocking waits below: a Dispatch thread, never the cooperative pool.
        DispatchQueue(label: "qfpos.bench.scanner").async {
            continuation.resume(with: Result { try ScannerBenchmark().run() })
        }
    }
}

private struct ScannerBenchmark {
    static let scans = 10_000
    static let code = "134567890123456789"
    let logger = Logger(label: "bench.scanner", factory: { _ in SwiftLogNoOpLogHandler() })

    func run() throws {
        print("scanner latency, \(Self.scans) scans each (last byte/event written -> ScanEvent delivered):")
        report("serial (pty, CR suffix)", try serial())
        report("keyboard wedge (evdev events over a pty, us layout)", try keyboardWedge())
    }

    private func serial() throws -> [Duration] {
        let pty = try PseudoTerminal()
        let delivery = Delivery()
        let scanner = SerialScanner(
            path: pty.devicePath, deviceID: "bench", settings: ScannerSettings(), logger: logger
        ) { output in delivery.deliver(output) }
        try scanner.start()
        defer { scanner.stop() }
        let bytes = Array((Self.code + "\r").utf8)
        return try measure(delivery) { try pty.write(bytes) }
    }

    private func keyboardWedge() throws -> [Duration] {
        let pty = try PseudoTerminal()
        let delivery = Delivery()
        // A pty stands in for the evdev node: it cannot be grabbed, so the grab is not required here.
        let scanner = try KeyboardWedgeScanner(
            path: pty.devicePath, deviceID: "bench", settings: ScannerSettings(requiresExclusiveGrab: false),
            logger: logger
        ) { output in delivery.deliver(output) }
        try scanner.start()
        defer { scanner.stop() }
        var events = [UInt8]()
        let digitKeys: [Character: UInt16] = [
            "1": 2, "2": 3, "3": 4, "4": 5, "5": 6, "6": 7, "7": 8, "8": 9, "9": 10, "0": 11,
        ]
        for character in Self.code { events += keystroke(digitKeys[character]!) }
        events += keystroke(28)  // Enter
        return try measure(delivery) { try pty.write(events) }
    }

    /// Press, sync, release, sync: four `struct input_event`s.
    private func keystroke(_ code: UInt16) -> [UInt8] {
        func event(_ type: UInt16, _ code: UInt16, _ value: Int32) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: MemoryLayout<timeval>.size)
            bytes += withUnsafeBytes(of: type.littleEndian, Array.init)
            bytes += withUnsafeBytes(of: code.littleEndian, Array.init)
            bytes += withUnsafeBytes(of: value.littleEndian, Array.init)
            return bytes
        }
        return event(1, code, 1) + event(0, 0, 0) + event(1, code, 0) + event(0, 0, 0)
    }

    private func measure(_ delivery: Delivery, write: () throws -> Void) throws -> [Duration] {
        var latencies = [Duration]()
        latencies.reserveCapacity(Self.scans)
        for _ in 0..<Self.scans {
            let start = ContinuousClock.now
            try write()
            guard let delivered = delivery.wait() else { throw TestSupportError("a scan did not arrive") }
            latencies.append(delivered - start)
        }
        return latencies
    }

    private func report(_ name: String, _ latencies: [Duration]) {
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Duration { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        func microseconds(_ duration: Duration) -> String {
            let value = Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
            return String(Int(value.rounded())) + " µs"
        }
        print(
            "  \(name): p50 \(microseconds(percentile(0.50)))  p99 \(microseconds(percentile(0.99)))"
                + "  max \(microseconds(sorted.last ?? .zero))")
    }
}

/// Hands the delivery instant of each scan to the measuring thread.
private final class Delivery: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let instants = Mutex<[ContinuousClock.Instant]>([])

    func deliver(_ output: ScannerOutput) {
        let now = ContinuousClock.now
        guard case .scan = output else { return }
        instants.withLock { $0.append(now) }
        semaphore.signal()
    }

    func wait() -> ContinuousClock.Instant? {
        guard semaphore.wait(timeout: .now() + 10) == .success else { return nil }
        return instants.withLock { $0.removeFirst() }
    }
}
