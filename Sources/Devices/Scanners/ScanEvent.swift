import QFPay

/// One code read by a scanner.
public struct ScanEvent: Sendable, Equatable {
    /// The code as read, prefix, suffix and symbology identifier stripped. Contains a customer's
    /// auth code when `classification` is a payment: never log it, log `maskedText`.
    public let text: String
    /// `text` masked for logs and events: `1346••••••••••4254`.
    public let maskedText: String
    /// The symbology, when the scanner says (AIM identifier, HID POS report) or the classifier
    /// recognises a product barcode.
    public let symbology: String?
    /// The scanner that read it.
    public let source: ScanSource
    /// Payment code (and wallet), product barcode, or something else.
    public let classification: ScannedCode
    /// When the last byte or key of the code was read (monotonic clock).
    public let completedAt: ContinuousClock.Instant

    public init(
        text: String, symbology: String?, source: ScanSource, classification: ScannedCode,
        completedAt: ContinuousClock.Instant
    ) {
        self.text = text
        self.maskedText = ScanEvent.mask(text)
        self.symbology = symbology
        self.source = source
        self.classification = classification
        self.completedAt = completedAt
    }

    /// Masks a code for logs and events: the one rule of `AuthCode.mask` (first and last four kept).
    public static func mask(_ text: String) -> String { AuthCode.mask(text) }
}

/// Which scanner produced a read.
public struct ScanSource: Sendable, Equatable, Hashable {
    /// The device's stable identity (`DeviceInfo.id`).
    public let deviceID: String
    /// The node it was read from.
    public let node: String
    public let transport: DeviceTransport

    public init(deviceID: String, node: String, transport: DeviceTransport) {
        self.deviceID = deviceID
        self.node = node
        self.transport = transport
    }
}

/// A read that was not a code, and why it was dropped.
public struct ScanDrop: Sendable, Equatable {
    /// Why a read was dropped.
    public enum Reason: String, Sendable, Equatable {
        /// Nothing left after stripping, or shorter than the minimum length (a bumped trigger).
        case noise
        /// No terminator (or Enter) arrived within the inter-character timeout.
        case partial
        /// Longer than the maximum length.
        case overlong
        /// Control bytes or bytes that are not UTF-8.
        case binary
    }

    public let reason: Reason
    /// How many bytes (or keys) were dropped.
    public let length: Int
    public let source: ScanSource

    public init(reason: Reason, length: Int, source: ScanSource) {
        self.reason = reason
        self.length = length
        self.source = source
    }
}

/// What a scanner delivers: a code, or a dropped read with its reason.
public enum ScannerOutput: Sendable, Equatable {
    case scan(ScanEvent)
    case dropped(ScanDrop)
}
