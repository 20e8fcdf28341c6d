/// The one error type of the ESCPOS module.
public struct ESCPOSError: Error, Sendable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable, Hashable {
        /// No shipped profile has the requested name.
        case unknownProfile = "escpos.unknown-profile"
        /// A profile file could not be decoded.
        case badProfile = "escpos.bad-profile"
        /// A QR code could not be made (empty or too long data).
        case qrCode = "escpos.qr-code"
        /// An image is larger than the command can carry or the paper can hold.
        case imageTooLarge = "escpos.image-too-large"
        /// A byte stream could not be decoded for a preview.
        case malformedStream = "escpos.malformed-stream"
    }

    /// The stable code.
    public let code: Code
    /// A human message.
    public let message: String
    /// The error this one wraps, if any.
    public let underlying: (any Error)?

    /// Creates an error.
    public init(code: Code, message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
