/// Where a receipt printer is and how to reach it.
public enum PrinterEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// A serial line (`/dev/ttyS0`, `/dev/ttyUSB0`, a pty in tests), configured with termios.
    case serial(path: String, settings: PrinterSerialSettings)
    /// A USB printer-class device node made by the usblp driver (`/dev/usb/lp0`).
    case usbPrinter(path: String)
    /// A network printer's raw port (usually 9100).
    case network(host: String, port: Int)

    /// Parses the forms technicians write in configuration and on the command line:
    /// `/dev/usb/lp0` (USB printer class), any other absolute path (serial, with `settings`),
    /// `host:9100`, `[::1]:9100` or `tcp://host:9100` (network; port 9100 when omitted after `tcp://`).
    /// Returns nil for anything else.
    public init?(parsing text: String, serialSettings: PrinterSerialSettings = PrinterSerialSettings()) {
        if text.hasPrefix("/dev/usb/lp") {
            self = .usbPrinter(path: text)
            return
        }
        if text.hasPrefix("/") {
            self = .serial(path: text, settings: serialSettings)
            return
        }
        var rest = Substring(text)
        let explicitTCP = rest.hasPrefix("tcp://")
        if explicitTCP { rest = rest.dropFirst(6) }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { return nil }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        if portText == nil && !explicitTCP { return nil }
        let port = portText.map { Int($0) } ?? 9100
        guard !host.isEmpty, let port, (1...65_535).contains(port) else { return nil }
        self = .network(host: String(host), port: port)
    }

    public var description: String {
        switch self {
        case .serial(let path, let settings): return "serial \(path) \(settings)"
        case .usbPrinter(let path): return "usb \(path)"
        case .network(let host, let port): return host.contains(":") ? "tcp [\(host)]:\(port)" : "tcp \(host):\(port)"
        }
    }
}

/// Serial line parameters for a printer.
public struct PrinterSerialSettings: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Parity bit.
    public enum Parity: String, Sendable, Hashable, Codable, CaseIterable {
        case none, even, odd
    }

    /// Flow control.
    public enum FlowControl: String, Sendable, Hashable, Codable, CaseIterable {
        /// None.
        case none
        /// Hardware (RTS/CTS), the default of most receipt printers' DIP switches.
        case rtsCts = "rts-cts"
        /// Software (XON/XOFF).
        case xonXoff = "xon-xoff"
    }

    /// Speed in baud: 9600 to 115200 for receipt printers.
    public var baudRate: Int
    /// Data bits: 7 or 8.
    public var dataBits: Int
    /// Parity.
    public var parity: Parity
    /// Stop bits: 1 or 2.
    public var stopBits: Int
    /// Flow control.
    public var flowControl: FlowControl

    /// Creates settings; the defaults are 9600 8N1 with RTS/CTS.
    public init(
        baudRate: Int = 9600, dataBits: Int = 8, parity: Parity = .none, stopBits: Int = 1,
        flowControl: FlowControl = .rtsCts
    ) {
        self.baudRate = baudRate
        self.dataBits = dataBits
        self.parity = parity
        self.stopBits = stopBits
        self.flowControl = flowControl
    }

    public var description: String {
        let parityLetter = parity == .none ? "N" : parity == .even ? "E" : "O"
        return "\(baudRate) \(dataBits)\(parityLetter)\(stopBits) \(flowControl.rawValue)"
    }
}
