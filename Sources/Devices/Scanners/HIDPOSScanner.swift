import Logging

/// A HID POS barcode scanner (usage page 0x8C) read through hidraw, with Honeywell's report
/// layout (`HIDPOSReportDecoder`). Reads run on a Dispatch read source on the scanner's queue.
public final class HIDPOSScanner: Scanner, @unchecked Sendable {
    public let source: ScanSource
    private let path: String
    private let loop: ScannerReadLoop
    // Confined to the loop's queue.
    private var decoder: HIDPOSReportDecoder

    public init(
        path: String, deviceID: String, settings: ScannerSettings, logger: Logger,
        onDisconnect: ScannerDisconnectHandler? = nil, handler: @escaping ScannerHandler
    ) {
        self.path = path
        self.source = ScanSource(deviceID: deviceID, node: path, transport: .hidPOS)
        self.loop = ScannerReadLoop(
            name: "HID POS scanner", queueLabel: "qfpos.scanner.hidpos.\(deviceID)", source: source,
            settings: settings, logger: logger, onDisconnect: onDisconnect, handler: handler)
        self.decoder = HIDPOSReportDecoder(capacity: settings.maximumLength + 3)
    }

    /// hidraw has no exclusive mode: other readers of the node see the same reports.
    public var access: ScannerAccess { ScannerAccess() }

    public func start() throws {
        let descriptor = try ScannerReadLoop.openInputNode(path)
        loop.start(
            descriptor: descriptor, chunkSize: HIDPOSReportDecoder.reportSize,
            onBytes: { [weak self] bytes in self?.received(bytes) })
    }

    /// Stops reading and closes the device; returns once it is closed. Must not be called from
    /// the scanner's handler.
    public func stop() { loop.stop() }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        let now = ContinuousClock.now
        decoder.feed(bytes) { output in
            switch output {
            case .code(let data, let symbology):
                loop.deliver(loop.validator.validate(data[...], symbology: symbology, completedAt: now))
            case .overlong(let count):
                loop.drop(.overlong, length: count)
            }
        }
    }
}
