import Glibc

/// A udev rules file, evaluated the way udev evaluates it for one device: which properties the
/// rules set, which group and mode the node gets, which links udev makes. Debian 12's udev
/// (systemd 252) has no `udevadm verify`, and `udevadm test` needs the device in the real
/// /sys, so the tests (and a technician with a `umockdev-record` of a till's scanner) check
/// `udev/60-qfpos.rules` against device descriptions with this.
///
/// It evaluates the part of udev's rule language qfpos's rules use, exactly: match keys
/// `ACTION`, `SUBSYSTEM`, `KERNEL`, `DEVPATH`, `DRIVER`, `ENV{…}`, `ATTR{…}` and the parent keys
/// `SUBSYSTEMS`, `KERNELS`, `DRIVERS`, `ATTRS{…}` (all of one rule's parent keys on the same
/// device of the chain, as udev does), with `==`/`!=` and shell patterns (`*`, `?`, `[…]`,
/// `|`); assignments `ENV{…}`, `GROUP`, `OWNER`, `MODE`, `SYMLINK`, `GOTO`/`LABEL`;
/// `IMPORT{builtin}="usb_id"` (as systemd 252's usb_id builtin computes it); `$env{…}`,
/// `%E{…}`, `$kernel`/`%k` in values. Anything else is refused with `invalidRules`, so a rule
/// it cannot evaluate never passes a test silently.
public struct UdevRuleSet: Sendable {
    /// A comparison or assignment operator.
    enum Operator: String, Sendable {
        case equal = "==", notEqual = "!=", assign = "=", add = "+=", remove = "-=", assignFinal = ":="
        var isMatch: Bool { self == .equal || self == .notEqual }
    }

    /// `KEY{attribute} op "value"`.
    struct Token: Sendable {
        let key: String
        let attribute: String?
        let op: Operator
        let value: String
    }

    struct Rule: Sendable {
        let line: Int
        let tokens: [Token]
        var label: String? {
            tokens.count == 1 && tokens[0].key == "LABEL" ? tokens[0].value : nil
        }
    }

    let rules: [Rule]

    private static let deviceKeys: Set<String> = ["ACTION", "SUBSYSTEM", "KERNEL", "DEVPATH", "DRIVER", "ENV", "ATTR"]
    private static let parentKeys: Set<String> = ["SUBSYSTEMS", "KERNELS", "DRIVERS", "ATTRS"]
    private static let assignmentKeys: Set<String> = ["ENV", "GROUP", "OWNER", "MODE", "SYMLINK", "GOTO", "LABEL"]

    /// Parses a rules file.
    /// - Throws: `invalidRules` naming the line of a malformed or unsupported rule.
    public init(parsing text: String) throws(DevicesError) {
        var rules: [Rule] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingWhitespace()
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let tokens = try Self.tokens(of: line, line: index + 1)
            for token in tokens { try Self.check(token, line: index + 1) }
            rules.append(Rule(line: index + 1, tokens: tokens))
        }
        self.rules = rules
    }

    /// Runs the rules for `chain` (the device, then its parents, nearest first) as udev does
    /// for a uevent with `action`.
    /// - Throws: `invalidRules` for a GOTO without its LABEL or a substitution it does not know.
    public func evaluate(_ chain: [UdevRuleDevice], action: String = "add") throws(DevicesError) -> UdevRuleOutcome {
        guard let device = chain.first else { throw DevicesError(.invalidRules, "no device to evaluate") }
        var state = Evaluation(device: device, chain: chain, action: action)
        var index = 0
        while index < rules.count {
            let rule = rules[index]
            index += 1
            guard rule.label == nil, try state.matches(rule) else { continue }
            for token in rule.tokens where !token.op.isMatch && token.key != "IMPORT" {
                if token.key == "GOTO" {
                    guard let target = rules[index...].firstIndex(where: { $0.label == token.value }) else {
                        throw DevicesError(
                            .invalidRules, "line \(rule.line): GOTO \"\(token.value)\" has no LABEL after it")
                    }
                    index = target + 1
                    break
                }
                try state.assign(token, line: rule.line)
            }
        }
        return state.outcome
    }

    // MARK: - Parsing

    private static func tokens(of line: String, line number: Int) throws(DevicesError) -> [Token] {
        var tokens: [Token] = []
        var rest = Substring(line)
        func fail(_ why: String) -> DevicesError { DevicesError(.invalidRules, "line \(number): \(why): \(line)") }
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" || $0 == "," }
            guard !rest.isEmpty else { break }
            let key = rest.prefix { $0.isUppercase || $0 == "_" }
            guard !key.isEmpty else { throw fail("expected a key") }
            rest = rest.dropFirst(key.count)
            var attribute: String?
            if rest.first == "{" {
                guard let close = rest.firstIndex(of: "}") else { throw fail("unclosed {") }
                attribute = String(rest[rest.index(after: rest.startIndex)..<close])
                rest = rest[rest.index(after: close)...]
            }
            rest = rest.drop { $0 == " " }
            guard let op = ["==", "!=", "+=", "-=", ":=", "="].first(where: { rest.hasPrefix($0) }) else {
                throw fail("expected an operator after \(key)")
            }
            rest = rest.dropFirst(op.count).drop { $0 == " " }
            guard rest.first == "\"" else { throw fail("expected a quoted value after \(key)\(op)") }
            rest = rest.dropFirst()
            var value = ""
            var closed = false
            while let character = rest.first {
                rest = rest.dropFirst()
                if character == "\\", let next = rest.first {
                    value.append(next == "\"" ? "\"" : "\\")
                    if next == "\"" { rest = rest.dropFirst() }
                    continue
                }
                if character == "\"" {
                    closed = true
                    break
                }
                value.append(character)
            }
            guard closed else { throw fail("unclosed quote") }
            tokens.append(
                Token(key: String(key), attribute: attribute, op: Operator(rawValue: op)!, value: value))
        }
        return tokens
    }

    private static func check(_ token: Token, line: Int) throws(DevicesError) {
        let supported: Bool
        switch token.op {
        case .equal, .notEqual:
            supported = deviceKeys.contains(token.key) || parentKeys.contains(token.key)
        case .assign, .assignFinal, .add:
            if token.key == "IMPORT" {
                supported = token.attribute == "builtin" && token.value == "usb_id"
            } else {
                supported = assignmentKeys.contains(token.key) && (token.op != .add || token.key == "SYMLINK")
            }
        case .remove:
            supported = false
        }
        guard supported else {
            let attribute = token.attribute.map { "{\($0)}" } ?? ""
            throw DevicesError(
                .invalidRules,
                "line \(line): \(token.key)\(attribute)\(token.op.rawValue)\"\(token.value)\" is not evaluated by UdevRuleSet"
            )
        }
    }
}

/// One device of a sysfs chain as udev's rules see it: its uevent properties and sysfs
/// attributes.
public struct UdevRuleDevice: Sendable, Equatable {
    /// `/sys/devices/…`.
    public var syspath: String
    /// The uevent's properties (`SUBSYSTEM`, `DEVTYPE`, `DRIVER`, `DEVNAME`, …).
    public var properties: [String: String]
    /// sysfs attributes (`idVendor`, `bInterfaceClass`, `ieee1284_id`, …).
    public var attributes: [String: String]

    public init(syspath: String, properties: [String: String], attributes: [String: String]) {
        self.syspath = syspath
        self.properties = properties
        self.attributes = attributes
    }

    var kernel: String { String(syspath.split(separator: "/").last ?? "") }
    var subsystem: String { properties["SUBSYSTEM"] ?? "" }
    var driver: String { properties["DRIVER"] ?? "" }
    var devtype: String? { properties["DEVTYPE"] }
}

/// What the rules did to a device.
public struct UdevRuleOutcome: Sendable, Equatable {
    /// The properties the rules set or changed (imports included), beyond the uevent's own.
    public var properties: [String: String] = [:]
    /// The node's group, when a rule set it.
    public var group: String?
    /// The node's mode (`0660`), when a rule set it.
    public var mode: String?
    /// The links udev makes to the node (`/dev/qfpos/scanner-…`), in rule order.
    public var links: [String] = []

    public init(properties: [String: String] = [:], group: String? = nil, mode: String? = nil, links: [String] = []) {
        self.properties = properties
        self.group = group
        self.mode = mode
        self.links = links
    }
}

/// One run of the rules over one device.
private struct Evaluation {
    let device: UdevRuleDevice
    let chain: [UdevRuleDevice]
    let action: String
    var environment: [String: String]
    var outcome = UdevRuleOutcome()
    var finalKeys: Set<String> = []
    var importedUSB = false

    init(device: UdevRuleDevice, chain: [UdevRuleDevice], action: String) {
        self.device = device
        self.chain = chain
        self.action = action
        self.environment = device.properties
    }

    /// Whether every match key of the rule holds (and its imports succeed).
    mutating func matches(_ rule: UdevRuleSet.Rule) throws(DevicesError) -> Bool {
        var parentTokens: [UdevRuleSet.Token] = []
        for token in rule.tokens where token.op.isMatch {
            switch token.key {
            case "SUBSYSTEMS", "KERNELS", "DRIVERS", "ATTRS": parentTokens.append(token)
            default: guard Self.compare(value(of: token, on: device), token) else { return false }
            }
        }
        if !parentTokens.isEmpty {
            // udev: all parent keys of a rule must hold on one device, the device itself or an ancestor.
            let found = chain.contains { candidate in
                parentTokens.allSatisfy { Self.compare(value(of: $0, on: candidate), $0) }
            }
            guard found else { return false }
        }
        for token in rule.tokens where token.key == "IMPORT" {
            guard importUSBIdentity() else { return false }
        }
        return true
    }

    private func value(of token: UdevRuleSet.Token, on candidate: UdevRuleDevice) -> String {
        switch token.key {
        case "ACTION": return action
        case "SUBSYSTEM", "SUBSYSTEMS": return candidate.subsystem
        case "KERNEL", "KERNELS": return candidate.kernel
        case "DEVPATH": return String(candidate.syspath.dropFirst("/sys".count))
        case "DRIVER", "DRIVERS": return candidate.driver
        case "ENV": return environment[token.attribute ?? ""] ?? ""
        case "ATTR", "ATTRS":
            // udev ignores trailing whitespace of attribute values (sysfs ends them with a newline).
            let value = candidate.attributes[token.attribute ?? ""] ?? ""
            return String(value.reversed().drop { $0 == " " || $0 == "\n" || $0 == "\t" }.reversed())
        default: return ""
        }
    }

    /// udev's pattern match: alternatives separated by `|`, each a shell pattern (fnmatch);
    /// an empty pattern matches an empty or missing value.
    private static func compare(_ value: String, _ token: UdevRuleSet.Token) -> Bool {
        let alternatives = token.value.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        let matched = alternatives.contains { pattern in
            pattern.isEmpty ? value.isEmpty : fnmatch(pattern, value, 0) == 0
        }
        return token.op == .equal ? matched : !matched
    }

    mutating func assign(_ token: UdevRuleSet.Token, line: Int) throws(DevicesError) {
        let value = try substitute(token.value, line: line)
        let finalKey = token.key + (token.attribute ?? "")
        guard !finalKeys.contains(finalKey) else { return }
        if token.op == .assignFinal { finalKeys.insert(finalKey) }
        switch token.key {
        case "ENV":
            let name = token.attribute ?? ""
            if value.isEmpty {
                environment.removeValue(forKey: name)
                outcome.properties.removeValue(forKey: name)
            } else {
                environment[name] = value
                outcome.properties[name] = value
            }
        case "GROUP": outcome.group = value
        case "OWNER": break  // qfpos's rules set none; kept for completeness of the check
        case "MODE": outcome.mode = value
        case "SYMLINK":
            let names = value.split(separator: " ").map { "/dev/" + Self.sanitizedLink(String($0)) }
            if token.op == .add {
                outcome.links += names.filter { !outcome.links.contains($0) }
            } else {
                outcome.links = names
            }
        default: break
        }
    }

    /// `$env{KEY}`, `%E{KEY}`, `$kernel`, `%k`, `$$`, `%%`.
    private func substitute(_ text: String, line: Int) throws(DevicesError) -> String {
        var result = ""
        var rest = Substring(text)
        while let character = rest.first {
            rest = rest.dropFirst()
            guard character == "$" || character == "%" else {
                result.append(character)
                continue
            }
            if rest.first == character {
                result.append(character)
                rest = rest.dropFirst()
                continue
            }
            let long = character == "$" ? "env{" : "E{"
            if rest.hasPrefix(long), let close = rest.firstIndex(of: "}") {
                let name = String(rest[rest.index(rest.startIndex, offsetBy: long.count)..<close])
                result += environment[name] ?? ""
                rest = rest[rest.index(after: close)...]
            } else if character == "$", rest.hasPrefix("kernel") {
                result += device.kernel
                rest = rest.dropFirst("kernel".count)
            } else if character == "%", rest.first == "k" {
                result += device.kernel
                rest = rest.dropFirst()
            } else {
                throw DevicesError(
                    .invalidRules, "line \(line): a substitution UdevRuleSet does not know in \"\(text)\"")
            }
        }
        return result
    }

    /// udev keeps letters, digits, `#+-.:=@_/` in a link name; the rest becomes `_`.
    private static func sanitizedLink(_ name: String) -> String {
        String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "#+-.:=@_/".contains($0)) ? $0 : "_" })
    }

    // MARK: - The usb_id builtin

    /// systemd 252's `usb_id` for a device below a USB interface: vendor, model, serial (the
    /// manufacturer, product and serial strings, whitespace runs as `_`, other characters
    /// outside udev's set as `_`), revision, interface type, number and driver.
    private mutating func importUSBIdentity() -> Bool {
        if importedUSB { return true }
        guard let interface = chain.first(where: { $0.subsystem == "usb" && $0.devtype == "usb_interface" }),
            let usb = chain.first(where: { $0.subsystem == "usb" && $0.devtype == "usb_device" }),
            let vendorID = usb.attributes["idVendor"], let productID = usb.attributes["idProduct"]
        else { return false }
        let vendorText = usb.attributes["manufacturer"] ?? vendorID
        let modelText = usb.attributes["product"] ?? productID
        let vendor = Self.replacingChars(Self.replacingWhitespace(vendorText))
        let model = Self.replacingChars(Self.replacingWhitespace(modelText))
        var serial = ""
        if let raw = usb.attributes["serial"],
            raw.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value <= 0x7f && $0 != "," })
        {
            serial = Self.replacingChars(Self.replacingWhitespace(raw))
        }
        let identification = vendor + "_" + model + (serial.isEmpty ? "" : "_" + serial)
        let revision = usb.attributes["bcdDevice"].map { Self.replacingChars(Self.replacingWhitespace($0)) } ?? ""
        let interfaceClass = interface.attributes["bInterfaceClass"].flatMap { Int($0, radix: 16) }
        let type = interfaceClass.map(Self.interfaceType)
        var set: [String: String] = [
            "ID_BUS": "usb", "ID_MODEL": model, "ID_MODEL_ENC": Self.encoded(modelText), "ID_MODEL_ID": productID,
            "ID_SERIAL": identification, "ID_VENDOR": vendor, "ID_VENDOR_ENC": Self.encoded(vendorText),
            "ID_VENDOR_ID": vendorID, "ID_REVISION": revision,
        ]
        if !serial.isEmpty { set["ID_SERIAL_SHORT"] = serial }
        if let type { set["ID_TYPE"] = type }
        if environment["ID_BUS"] != nil { set = [:] }  // usb_id then sets only the ID_USB_ copies
        var copies: [String: String] = [
            "ID_USB_MODEL": model, "ID_USB_MODEL_ENC": Self.encoded(modelText), "ID_USB_MODEL_ID": productID,
            "ID_USB_SERIAL": identification, "ID_USB_VENDOR": vendor, "ID_USB_VENDOR_ENC": Self.encoded(vendorText),
            "ID_USB_VENDOR_ID": vendorID, "ID_USB_REVISION": revision,
        ]
        if !serial.isEmpty { copies["ID_USB_SERIAL_SHORT"] = serial }
        if let type { copies["ID_USB_TYPE"] = type }
        if let number = interface.attributes["bInterfaceNumber"] { copies["ID_USB_INTERFACE_NUM"] = number }
        if let driver = interface.properties["DRIVER"] { copies["ID_USB_DRIVER"] = driver }
        // ID_USB_INTERFACES comes from the USB device's `descriptors` file, which the
        // descriptions do not carry; usb_id leaves it out then, and so does this.
        for (name, value) in set.merging(copies, uniquingKeysWith: { $1 }) {
            environment[name] = value
            outcome.properties[name] = value
        }
        importedUSB = true
        return true
    }

    private static func interfaceType(_ interfaceClass: Int) -> String {
        switch interfaceClass {
        case 1: "audio"
        case 3: "hid"
        case 6: "media"
        case 7: "printer"
        case 8: "storage"
        case 9: "hub"
        case 0x0e: "video"
        default: "generic"
        }
    }

    /// udev_replace_whitespace: leading and trailing whitespace dropped, each run inside one `_`.
    private static func replacingWhitespace(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: "_")
    }

    /// udev_replace_chars with no extra characters allowed: ASCII letters, digits, `#+-.:=@_`
    /// and valid UTF-8 stay; the rest becomes `_`.
    private static func replacingChars(_ text: String) -> String {
        String(text.map { $0.isASCII && !($0.isLetter || $0.isNumber || "#+-.:=@_".contains($0)) ? "_" : $0 })
    }

    /// encode_devnode_name: characters outside udev's set as `\xNN`.
    private static func encoded(_ text: String) -> String {
        var result = ""
        for character in text {
            if character.isASCII && (character.isLetter || character.isNumber || "#+-.:=@_".contains(character)) {
                result.append(character)
            } else if !character.isASCII {
                result.append(character)
            } else {
                for byte in character.utf8 { result += "\\x" + String(format2Hex: byte) }
            }
        }
        return result
    }
}

extension String {
    fileprivate init(format2Hex value: UInt8) {
        let digits = String(value, radix: 16)
        self = digits.count == 1 ? "0" + digits : digits
    }
}
