import Devices
import Foundation

/// A fake device as it is once udev ran rules on it: the node's description carries exactly
/// the properties the rules set (`QFPOS_ROLE`, `QFPOS_REASON`, the usb_id import, …) and the
/// links udev made (`DEVLINKS`), computed by evaluating the rules file on the description.
public struct ProcessedDevice: Sendable {
    /// The device description with the rules' properties on its node.
    public let device: FakeDevice
    /// What the rules did: properties, group, mode, links.
    public let outcome: UdevRuleOutcome
    /// Every link to the node: the rules' and those other rules files make (`extraLinks`).
    public let links: [String]

    public var node: String { device.node }
    public var syspaths: [String] { device.syspaths }
    /// A property the rules set.
    public subscript(property: String) -> String? { outcome.properties[property] }
}

extension FakeDevice {
    /// The device after udev ran `rules` on it (an `add` uevent), with `extraLinks` (what
    /// systemd's own rules would add, e.g. `ShippedRules.serialByIDLink`) among its links.
    public func processed(
        by rules: UdevRuleSet, extraLinks: (UdevRuleOutcome) -> [String] = { _ in [] }
    ) throws -> ProcessedDevice {
        let outcome = try rules.evaluate(UdevRuleDevice.chain(fromUmockdevRecord: description))
        let links = outcome.links + extraLinks(outcome).filter { !outcome.links.contains($0) }
        var properties = outcome.properties
        if !links.isEmpty { properties["DEVLINKS"] = links.joined(separator: " ") }
        return ProcessedDevice(device: withNodeProperties(properties), outcome: outcome, links: links)
    }
}

extension UmockdevTestbed {
    /// Adds a processed device and makes its links in the testbed's /dev, as udev would before
    /// announcing it; no uevent.
    public func add(_ device: ProcessedDevice) throws {
        try add(device.device.description)
        for link in device.links { try self.link(link, to: device.node) }
    }

    /// Adds a processed device, makes its links and sends its `add` uevents: a plug.
    public func plug(_ device: ProcessedDevice) throws {
        try add(device)
        for syspath in device.syspaths { uevent(syspath, action: "add") }
    }
}

/// The udev rules qfpos ships, and the links systemd's own rules make next to them.
public enum ShippedRules {
    /// `udev/60-qfpos.rules` of this checkout.
    public static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("udev/60-qfpos.rules").path

    /// The rules file at `path`, parsed.
    public static func load(_ path: String = ShippedRules.path) throws -> UdevRuleSet {
        try UdevRuleSet(parsing: String(contentsOfFile: path, encoding: .utf8))
    }

    /// The by-id link systemd's 60-serial.rules makes for a USB serial node:
    /// `/dev/serial/by-id/usb-<ID_SERIAL>-if<NN>`.
    public static func serialByIDLink(_ outcome: UdevRuleOutcome) -> [String] {
        guard let serial = outcome.properties["ID_SERIAL"], let interface = outcome.properties["ID_USB_INTERFACE_NUM"]
        else { return [] }
        return ["/dev/serial/by-id/usb-\(serial)-if\(interface)"]
    }

    /// The by-id link systemd's 60-persistent-input.rules makes for a USB keyboard's event node:
    /// `/dev/input/by-id/usb-<ID_SERIAL>-event-kbd`.
    public static func keyboardByIDLink(_ outcome: UdevRuleOutcome) -> [String] {
        guard let serial = outcome.properties["ID_SERIAL"] else { return [] }
        return ["/dev/input/by-id/usb-\(serial)-event-kbd"]
    }
}
