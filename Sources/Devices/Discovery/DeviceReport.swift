import Dispatch
import Foundation

/// The device report of `qfposd --list-devices [--json] [--config FILE]`: enumerates once,
/// without the daemon, and renders every candidate with its role, node, stable path, vendor,
/// model and why the role was given.
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
    public static func listDevices(configuration: DevicesConfiguration = DevicesConfiguration(), format: Format)
        async throws -> String
    {
        render(try await enumerate(configuration: configuration), format: format)
    }

    /// Renders devices as a text table or as JSON (`{"devices": [...]}`, keys sorted).
    public static func render(_ devices: [DeviceInfo], format: Format) -> String {
        switch format {
        case .text: return renderText(devices)
        case .json: return renderJSON(devices)
        }
    }

    private static func renderText(_ devices: [DeviceInfo]) -> String {
        guard !devices.isEmpty else { return "no scanner, printer or keyboard found\n" }
        var lines = [String]()
        for device in devices {
            lines.append("\(device.role.rawValue.uppercased())  \(device.node)  (\(device.transport.rawValue))")
            lines.append("  id:      \(device.id)")
            if let stablePath = device.stablePath { lines.append("  path:    \(stablePath)") }
            if let usbID = device.usbID { lines.append("  usb:     \(usbID)") }
            if let vendor = device.vendor { lines.append("  vendor:  \(vendor)") }
            if let model = device.model { lines.append("  model:   \(model)") }
            if let serial = device.serialNumber { lines.append("  serial:  \(serial)") }
            lines.append("  why:     \(device.reason)")
            if !device.isInitialized { lines.append("  note:    not processed by udev (rules not applied)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func renderJSON(_ devices: [DeviceInfo]) -> String {
        struct Report: Encodable { let devices: [DeviceInfo] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(Report(devices: devices)) else { return "{\"devices\": []}\n" }
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
