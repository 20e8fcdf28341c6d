import Dispatch
import Foundation

/// The device report of `qfposd --list-devices [--json] [--config FILE]`: enumerates once,
/// without the daemon, and renders every candidate with its role, node, stable path, vendor,
/// model and why the role was given, its lane (or why it has none) and, when the running
/// daemon told, how it holds the device (open, exclusive, grabbed).
public enum DeviceReport {
    /// Output format of the report.
    public enum Format: Sendable {
        case text
        case json
    }

    /// Enumerates the present devices once (and the configuration's static devices). Runs the
    /// libudev calls on a Dispatch queue, not on the caller's executor.
    public static func enumerate(configuration: DevicesConfiguration = DevicesConfiguration()) async throws
        -> [DeviceInfo]
    {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue(label: "qfpos.devices.report").async {
                continuation.resume(with: Result { try enumerateNow(configuration: configuration) })
            }
        }
    }

    /// Enumerates synchronously (blocking file I/O on sysfs: call it from a Dispatch queue or a
    /// command-line tool's main thread).
    public static func enumerateNow(configuration: DevicesConfiguration = DevicesConfiguration()) throws
        -> [DeviceInfo]
    {
        let context = try UdevContext()
        let found = try DeviceScan.scan(context: context, classifier: DeviceClassifier(configuration: configuration))
        return (configuration.staticDevices(besides: found) + found).sorted {
            ($0.role.order, $0.id) < ($1.role.order, $1.id)
        }
    }

    /// Enumerates and renders in one call: what `--list-devices` prints.
    /// - Parameter readers: how the running daemon holds each device, by id; nil when no daemon
    ///   answered (`daemonNote` then says why).
    public static func listDevices(
        configuration: DevicesConfiguration = DevicesConfiguration(), readers: [String: ReaderStatus]? = nil,
        daemonNote: String? = nil, format: Format
    ) async throws -> String {
        render(
            try await enumerate(configuration: configuration), readers: readers, daemonNote: daemonNote, format: format)
    }

    /// Renders devices as a text table or as JSON (`{"devices": [...]}`, keys sorted; each
    /// device's `reader` when the daemon told).
    public static func render(
        _ devices: [DeviceInfo], readers: [String: ReaderStatus]? = nil, daemonNote: String? = nil, format: Format
    ) -> String {
        switch format {
        case .text: return renderText(devices, readers: readers, daemonNote: daemonNote)
        case .json: return renderJSON(devices, readers: readers, daemonNote: daemonNote)
        }
    }

    /// How qfposd holds a device, in words: `open, exclusive (TIOCEXCL)`, `not open: …`, or why
    /// it never opens it.
    public static func readerText(_ device: DeviceInfo, _ reader: ReaderStatus?, daemonAnswered: Bool) -> String {
        if device.role == .printer {
            return device.isUsed ? "the lane's printer link opens it" : "left alone: not opened"
        }
        guard device.role == .scanner else { return "left alone: not opened" }
        guard device.isUsed else { return "left alone: not opened, not grabbed" }
        guard daemonAnswered else { return "unknown (qfposd did not answer)" }
        guard let reader else { return "not open" }
        guard reader.isOpen else { return "not open: \(reader.problem ?? "not tried yet")" }
        var words = ["open"]
        if reader.isExclusive { words.append("exclusive (TIOCEXCL)") }
        if reader.isGrabbed { words.append("grabbed (EVIOCGRAB)") }
        if !reader.isExclusive, !reader.isGrabbed { words.append("shared") }
        return words.joined(separator: ", ")
    }

    private static func renderText(_ devices: [DeviceInfo], readers: [String: ReaderStatus]?, daemonNote: String?)
        -> String
    {
        var lines = [String]()
        if let daemonNote { lines.append(daemonNote) }
        guard !devices.isEmpty else {
            return (lines + ["no scanner, printer or keyboard found"]).joined(separator: "\n") + "\n"
        }
        for device in devices {
            lines.append("\(device.role.rawValue.uppercased())  \(device.node)  (\(device.transport.rawValue))")
            lines.append("  id:      \(device.id)")
            if let number = device.deviceNumber { lines.append("  device:  \(number)") }
            if let stablePath = device.stablePath { lines.append("  path:    \(stablePath)") }
            if let usbID = device.usbID { lines.append("  usb:     \(usbID)") }
            if let vendor = device.vendor { lines.append("  vendor:  \(vendor)") }
            if let model = device.model { lines.append("  model:   \(model)") }
            if let serial = device.serialNumber { lines.append("  serial:  \(serial)") }
            lines.append("  why:     \(device.reason)")
            lines.append(
                "  lane:    \(device.lane.map { "\($0) (\(device.laneReason))" } ?? "none: \(device.laneReason)")")
            lines.append("  reader:  \(readerText(device, readers?[device.id], daemonAnswered: readers != nil))")
            if !device.isInitialized { lines.append("  note:    not processed by udev (rules not applied)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func renderJSON(_ devices: [DeviceInfo], readers: [String: ReaderStatus]?, daemonNote: String?)
        -> String
    {
        struct Entry: Encodable {
            let device: DeviceInfo
            let reader: ReaderStatus?
            func encode(to encoder: any Encoder) throws {
                try device.encode(to: encoder)
                enum Key: String, CodingKey { case reader }
                var container = encoder.container(keyedBy: Key.self)
                try container.encodeIfPresent(reader, forKey: .reader)
            }
        }
        struct Report: Encodable {
            let daemon: String?
            let devices: [Entry]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let report = Report(
            daemon: daemonNote,
            devices: devices.map { device in
                Entry(device: device, reader: readers.map { $0[device.id] ?? ReaderStatus(isOpen: false) })
            })
        guard let data = try? encoder.encode(report) else { return "{\"devices\": []}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

extension DeviceRole {
    /// Scanners first, then printers, then ignored devices.
    fileprivate var order: Int {
        switch self {
        case .scanner: 0
        case .printer: 1
        case .ignored: 2
        }
    }
}
