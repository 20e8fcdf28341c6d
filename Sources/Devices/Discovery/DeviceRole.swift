/// What qfpos does with a device.
public enum DeviceRole: String, Sendable, Codable, CaseIterable {
    /// A barcode scanner whose reads become `ScanEvent`s.
    case scanner
    /// A receipt printer; the daemon attaches a printer link to it.
    case printer
    /// A candidate qfpos looked at and leaves alone (a real keyboard, an unknown serial adapter).
    case ignored
}

/// How qfpos talks to a device.
public enum DeviceTransport: String, Sendable, Codable, CaseIterable {
    /// A serial line: USB CDC-ACM (`ttyACM*`), USB-serial (`ttyUSB*`), RS-232 (`ttyS*`) or a pty.
    case serial
    /// A USB HID keyboard-wedge scanner read through evdev (`/dev/input/event*`).
    case keyboardWedge = "keyboard-wedge"
    /// A HID POS scanner (usage page 0x8C) read through hidraw (`/dev/hidraw*`).
    case hidPOS = "hid-pos"
    /// A USB printer-class device (`/dev/usb/lp*`).
    case usbPrinter = "usb-printer"
    /// A network printer (`host:9100`).
    case network
    /// None of the above (only for ignored devices).
    case none
}
