/// The one table of point-of-sale devices qfpos knows by itself. `udev/60-qfpos.rules` is generated
/// from it (`UdevRules.render()`), and a test checks that the committed file is that rendering, so
/// the rules and the daemon's built-in recognition never drift apart.
public enum DeviceTable {
    /// How an entry recognises a USB device.
    public enum Match: Sendable, Equatable {
        /// Every device of a USB vendor id.
        case vendor(UInt16)
        /// Devices whose USB manufacturer string starts with this text (case-insensitive), for
        /// makers that ship under other companies' vendor ids.
        case manufacturer(String)
    }

    /// One known maker of scanners or printers.
    public struct Entry: Sendable, Equatable {
        /// The maker, as technicians know it.
        public let maker: String
        /// The model families this entry is meant for (a comment in the rules file).
        public let families: String
        public let role: DeviceRole
        public let match: Match
    }

    /// POS scanner and printer makers, in the order the rules file lists them.
    public static let entries: [Entry] = [
        Entry(
            maker: "Honeywell (Metrologic)", families: "Voyager, Xenon, Granit, Orbit, Genesis scanners",
            role: .scanner, match: .vendor(0x0c2e)),
        Entry(
            maker: "Honeywell (Hand Held Products)", families: "Xenon, Vuquest, 4600g imagers", role: .scanner,
            match: .vendor(0x0536)),
        Entry(
            maker: "Zebra (Symbol)", families: "LS2208, DS2208, DS4608, DS9308 scanners", role: .scanner,
            match: .vendor(0x05e0)),
        Entry(
            maker: "Datalogic (PSC)", families: "QuickScan, Gryphon, Magellan scanners", role: .scanner,
            match: .vendor(0x05f9)),
        Entry(
            maker: "Datalogic", families: "Gryphon, PowerScan, Heron scanners", role: .scanner,
            match: .vendor(0x080c)),
        Entry(
            maker: "Newland", families: "HR11, HR22, NLS-FR40, NLS-EM20 scanners and payment boxes",
            role: .scanner, match: .vendor(0x1eab)),
        Entry(
            maker: "Denso Wave", families: "QK30, QD20, GT10 QR scanners", role: .scanner,
            match: .manufacturer("DENSO WAVE")),
        Entry(
            maker: "Epson", families: "TM-T88, TM-T20, TM-m30 receipt printers", role: .printer,
            match: .vendor(0x04b8)),
        Entry(
            maker: "Star Micronics", families: "TSP100, TSP650, mC-Print receipt printers", role: .printer,
            match: .vendor(0x0519)),
        Entry(
            maker: "Citizen", families: "CT-S310, CT-S4000, CT-E351 receipt printers", role: .printer,
            match: .vendor(0x1d90)),
        Entry(
            maker: "Bixolon", families: "SRP-350, SRP-330, SRP-Q300 receipt printers", role: .printer,
            match: .vendor(0x1504)),
        Entry(
            maker: "Sunmi", families: "NT311, NT212 cloud printers, D2/T2 built-in printers", role: .printer,
            match: .manufacturer("SUNMI")),
    ]

    /// The USB interface class, subclass of printers (USB printer class 07, subclass 01).
    public static let printerInterfaceClass: (interfaceClass: UInt8, subclass: UInt8) = (0x07, 0x01)

    /// The HID usage page of point-of-sale barcode scanners.
    public static let hidPOSUsagePage: UInt16 = 0x8C

    /// The command set an IEEE 1284 device id names for ESC/POS printers (`CMD:ESC/POS;`).
    public static let escPOSCommandSet = "ESC/POS"

    /// The first entry that recognises a device, given its USB vendor id and manufacturer string.
    public static func entry(vendorID: UInt16?, manufacturer: String?) -> Entry? {
        entries.first { entry in
            switch entry.match {
            case .vendor(let id): return vendorID == id
            case .manufacturer(let prefix):
                guard let manufacturer else { return false }
                return manufacturer.uppercased().hasPrefix(prefix.uppercased())
            }
        }
    }

    /// Whether an IEEE 1284 device id (`MFG:EPSON;CMD:ESC/POS;MDL:TM-T88V;`) names ESC/POS.
    public static func ieee1284IDNamesESCPOS(_ deviceID: String) -> Bool {
        for field in deviceID.split(separator: ";") {
            let parts = field.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingWhitespace().uppercased()
            guard key == "CMD" || key == "COMMAND SET" else { continue }
            let commands = parts[1].split(separator: ",").map { $0.trimmingWhitespace().uppercased() }
            if commands.contains(escPOSCommandSet) { return true }
        }
        return false
    }
}

extension Substring {
    func trimmingWhitespace() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
