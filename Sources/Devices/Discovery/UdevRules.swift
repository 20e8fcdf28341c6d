/// Renders `udev/60-qfpos.rules` from `DeviceTable`: one source for the rules technicians install
/// and for what the daemon recognises without them. A test compares the committed file with
/// `render()`.
public enum UdevRules {
    /// The group owning scanner and printer nodes: the service user's own group. The till's
    /// user is not in it (it reaches the control socket through its own group), so it cannot
    /// read customers' payment codes from the nodes.
    public static let group = "qfpos"

    /// The rules file's text.
    public static func render() -> String {
        var lines = [
            "# qfpos udev rules: tag point-of-sale scanners and receipt printers for the qfpos daemon.",
            "# GENERATED from Sources/Devices/Discovery/DeviceTable.swift (UdevRules.render()); do not edit.",
            "# A test fails when this file and the table disagree.",
            "#",
            "# Install: sudo install -m 644 udev/60-qfpos.rules /etc/udev/rules.d/",
            "#          sudo udevadm control --reload && sudo udevadm trigger",
            "# Add a device by vendor:product in /etc/udev/rules.d/59-qfpos-local.rules, for example:",
            "#   SUBSYSTEMS==\"usb\", ATTRS{idVendor}==\"1a86\", ATTRS{idProduct}==\"7523\", ENV{QFPOS_ROLE}=\"scanner\"",
            "# (that file runs first; the group, mode and /dev/qfpos/ links below then apply to it too).",
            "",
            "ACTION==\"remove\", GOTO=\"qfpos_end\"",
            "SUBSYSTEM!=\"tty|input|hidraw|usbmisc\", GOTO=\"qfpos_end\"",
            "# Only event nodes of input devices (not mouse*, js*, or the inputN parents).",
            "SUBSYSTEM==\"input\", KERNEL!=\"event*\", GOTO=\"qfpos_end\"",
            "",
            "# Known makers (vendor id or USB manufacturer string).",
        ]
        for entry in DeviceTable.entries {
            lines.append("# \(entry.maker): \(entry.families)")
            let match: String
            switch entry.match {
            case .vendor(let id): match = "ATTRS{idVendor}==\"\(id.hex4)\""
            case .manufacturer(let name): match = "ATTRS{manufacturer}==\"\(name)*\""
            }
            lines.append(
                "ENV{QFPOS_ROLE}==\"\", SUBSYSTEMS==\"usb\", \(match), ENV{QFPOS_ROLE}=\"\(entry.role.rawValue)\", "
                    + "ENV{QFPOS_REASON}=\"\(entry.maker)\"")
        }
        let printerClass = DeviceTable.printerInterfaceClass
        lines += [
            "",
            "# Any USB printer-class interface (07/01) is a printer; usblp makes it /dev/usb/lp*.",
            "ENV{QFPOS_ROLE}==\"\", SUBSYSTEMS==\"usb\", ATTRS{bInterfaceClass}==\"\(String(format2: printerClass.interfaceClass))\", "
                + "ATTRS{bInterfaceSubClass}==\"\(String(format2: printerClass.subclass))\", ENV{QFPOS_ROLE}=\"printer\", "
                + "ENV{QFPOS_REASON}=\"USB printer class 07/01\"",
            "# A printer whose IEEE 1284 id names ESC/POS.",
            "ENV{QFPOS_ROLE}==\"\", SUBSYSTEM==\"usbmisc\", ATTR{ieee1284_id}==\"*CMD:*\(DeviceTable.escPOSCommandSet)*\", "
                + "ENV{QFPOS_ROLE}=\"printer\", ENV{QFPOS_REASON}=\"IEEE 1284 CMD:ESC/POS\"",
            "",
            "ENV{QFPOS_ROLE}==\"\", GOTO=\"qfpos_end\"",
            "# Printers have no keyboard or HID node of interest.",
            "ENV{QFPOS_ROLE}==\"printer\", SUBSYSTEM==\"input|hidraw\", ENV{QFPOS_ROLE}=\"\", GOTO=\"qfpos_end\"",
            "",
            "# Identity for the links below (60-serial.rules runs after this file).",
            "SUBSYSTEMS==\"usb\", IMPORT{builtin}=\"usb_id\"",
            "# ModemManager must not probe CDC-ACM scanners (it would send AT commands to them).",
            "SUBSYSTEM==\"tty\", ENV{ID_MM_DEVICE_IGNORE}=\"1\"",
            "# Scanner keyboards stay visible to the desktop: one no lane uses may be the till's own product",
            "# scanner. qfposd grabs (EVIOCGRAB) the ones a lane uses, so their codes reach qfposd only.",
            "# Only the service's group reads and writes the nodes (the till's user is not in it); input and",
            "# hidraw nodes are read-only to it: qfposd reads them and never writes.",
            "GROUP=\"\(group)\", MODE=\"0660\"",
            "SUBSYSTEM==\"input|hidraw\", MODE=\"0640\"",
            "# Stable names: /dev/qfpos/scanner-<serial>, /dev/qfpos/printer-<serial>.",
            "ENV{QFPOS_ROLE}==\"scanner\", SUBSYSTEM==\"tty\", SYMLINK+=\"qfpos/scanner-$env{ID_SERIAL}\"",
            "ENV{QFPOS_ROLE}==\"scanner\", SUBSYSTEM==\"input\", SYMLINK+=\"qfpos/scanner-$env{ID_SERIAL}-event\"",
            "ENV{QFPOS_ROLE}==\"scanner\", SUBSYSTEM==\"hidraw\", SYMLINK+=\"qfpos/scanner-$env{ID_SERIAL}-hidraw\"",
            "ENV{QFPOS_ROLE}==\"printer\", SUBSYSTEM==\"tty|usbmisc\", SYMLINK+=\"qfpos/printer-$env{ID_SERIAL}\"",
            "",
            "LABEL=\"qfpos_end\"",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    /// Two lower-case hex digits, as sysfs prints interface classes.
    fileprivate init(format2 value: UInt8) {
        let digits = String(value, radix: 16)
        self = digits.count == 1 ? "0" + digits : digits
    }
}
