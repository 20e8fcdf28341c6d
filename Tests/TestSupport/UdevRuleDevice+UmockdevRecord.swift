import Devices

// Test tooling, not the daemon's: the rules' evaluator reads the device descriptions the tests
// give umockdev, so that the tests and the shipped rules agree (no shipped program links this).
extension UdevRuleDevice {
    /// The device a `umockdev-record` text describes at `syspath` (its node device by default:
    /// the one with an `N:` line) and its parents in the text, nearest first: what
    /// `UdevRuleSet.evaluate` takes. Reads `P:`, `E:`, `A:` and `N:` lines.
    public static func chain(fromUmockdevRecord text: String, syspath: String? = nil) -> [UdevRuleDevice] {
        var devices: [(device: UdevRuleDevice, hasNode: Bool)] = []
        for stanza in text.split(separator: "\n\n") {
            var device = UdevRuleDevice(syspath: "", properties: [:], attributes: [:])
            var hasNode = false
            for line in stanza.split(separator: "\n") {
                let value = String(line.dropFirst(3))
                switch line.prefix(3) {
                case "P: ": device.syspath = "/sys" + value
                case "N: ": hasNode = true
                case "E: ", "A: ":
                    guard let equals = value.firstIndex(of: "=") else { continue }
                    let name = String(value[..<equals])
                    let content = String(value[value.index(after: equals)...])
                    if line.hasPrefix("E") {
                        device.properties[name] = content
                    } else {
                        device.attributes[name] = content
                    }
                default: continue
                }
            }
            if !device.syspath.isEmpty { devices.append((device, hasNode)) }
        }
        guard
            let target = syspath.flatMap({ path in devices.first { $0.device.syspath == path } })
                ?? devices.last(where: \.hasNode) ?? devices.last
        else { return [] }
        return devices.map(\.device)
            .filter { target.device.syspath == $0.syspath || target.device.syspath.hasPrefix($0.syspath + "/") }
            .sorted { $0.syspath.count > $1.syspath.count }
    }
}
