import Foundation

/// What a printer model can do and how it must be spoken to: paper width, Kanji system, native QR,
/// cutter, drawer and status features. Profiles ship in `BundledPrinterProfiles.swift`.
public struct PrinterProfile: Sendable, Hashable, Codable {
    /// How the printer takes Japanese (JIS X 0208) characters.
    public enum KanjiSystem: String, Sendable, Hashable, Codable {
        /// No Kanji font (export models): Japanese text is replaced visibly.
        case none
        /// Shift-JIS selected with `FS C 1`; Kanji are recognised by their lead byte (Epson Japanese models).
        case shiftJIS
        /// Kanji mode must be switched on with `FS &` (and off with `FS .` around half-width
        /// katakana), Shift-JIS selected with `FS C 1` (Citizen, Star in ESC/POS mode, Sunmi).
        case kanjiModeShiftJIS
    }

    /// The paper cutter.
    public enum Cutter: String, Sendable, Hashable, Codable {
        /// No cutter: the paper is fed to the tear bar.
        case none
        /// Full cut (`GS V 65 n`).
        case full
        /// Partial cut (`GS V 66 n`), one point left uncut.
        case partial
    }

    /// Short name used in configuration and on the command line, e.g. `epson-tm-t88-jp`.
    public var name: String
    /// The model(s) the profile describes.
    public var model: String
    /// Paper width in millimetres (58 or 80).
    public var paperWidthMM: Int
    /// Printable width in dots (384 for 58 mm, 576 for 80 mm at 203 dpi).
    public var dotsPerLine: Int
    /// Half-width characters per line in font A (32 for 58 mm, 48 for 80 mm).
    public var columns: Int
    /// Whether the printer draws QR codes itself (`GS ( k`); otherwise QR codes are sent as raster images.
    public var nativeQR: Bool
    /// How Japanese text is sent.
    public var kanji: KanjiSystem
    /// Whether the katakana code page (`ESC t 1`) holds half-width katakana at 0xA1–0xDF.
    public var katakana: Bool
    /// International character set selected with `ESC R n` (8 is Japan: 0x5C prints ¥), or none.
    public var internationalCharacterSet: Int?
    /// The cutter.
    public var cutter: Cutter
    /// Whether a cash drawer port is present (`ESC p`).
    public var drawer: Bool
    /// Whether the printer answers real-time status requests (`DLE EOT n`).
    public var realtimeStatus: Bool
    /// Whether the printer supports Automatic Status Back (`GS a n`).
    public var automaticStatusBack: Bool
    /// Whether the printer answers `GS r 1` once all data before it has been printed.
    public var jobCompletion: Bool
    /// Default QR module size in dots for native and raster QR codes.
    public var qrModuleSize: Int

    /// Creates a profile; most callers load one with `PrinterProfile.named(_:)`.
    public init(
        name: String, model: String, paperWidthMM: Int, dotsPerLine: Int, columns: Int, nativeQR: Bool,
        kanji: KanjiSystem, katakana: Bool, internationalCharacterSet: Int?, cutter: Cutter, drawer: Bool,
        realtimeStatus: Bool, automaticStatusBack: Bool, jobCompletion: Bool, qrModuleSize: Int
    ) {
        self.name = name
        self.model = model
        self.paperWidthMM = paperWidthMM
        self.dotsPerLine = dotsPerLine
        self.columns = columns
        self.nativeQR = nativeQR
        self.kanji = kanji
        self.katakana = katakana
        self.internationalCharacterSet = internationalCharacterSet
        self.cutter = cutter
        self.drawer = drawer
        self.realtimeStatus = realtimeStatus
        self.automaticStatusBack = automaticStatusBack
        self.jobCompletion = jobCompletion
        self.qrModuleSize = qrModuleSize
    }

    /// Every profile shipped with qfpos, in file order.
    public static let all: [PrinterProfile] = loadBundledProfiles()

    /// Names of the shipped profiles.
    public static var names: [String] { all.map(\.name) }

    /// The shipped profile called `name`.
    /// - Throws: `ESCPOSError` with code `.unknownProfile` listing the known names.
    public static func named(_ name: String) throws(ESCPOSError) -> PrinterProfile {
        guard let profile = all.first(where: { $0.name == name }) else {
            throw ESCPOSError(
                code: .unknownProfile,
                message: "no printer profile named \(name); known: \(names.joined(separator: ", "))"
            )
        }
        return profile
    }

    /// Decodes a profile list in the format of `BundledPrinterProfiles.swift` (`{"profiles": [...]}`).
    public static func decodeList(from data: Data) throws(ESCPOSError) -> [PrinterProfile] {
        do {
            return try JSONDecoder().decode(ProfileFile.self, from: data).profiles
        } catch {
            throw ESCPOSError(code: .badProfile, message: "cannot read printer profiles: \(error)", underlying: error)
        }
    }

    private struct ProfileFile: Codable {
        var profiles: [PrinterProfile]
    }

    private static func loadBundledProfiles() -> [PrinterProfile] {
        do {
            return try decodeList(from: Data(bundledJSON.utf8))
        } catch {
            preconditionFailure("the bundled printer profiles are malformed: \(error)")
        }
    }
}
