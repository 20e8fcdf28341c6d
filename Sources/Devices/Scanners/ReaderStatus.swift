/// How qfposd holds a device a lane uses, as `devices.list` and `--list-devices` show it.
public struct ReaderStatus: Sendable, Equatable, Codable {
    /// qfposd has the node open and reads it.
    public var isOpen: Bool
    /// No other `open` of the node succeeds while qfposd reads it (a serial port in `TIOCEXCL` mode).
    public var isExclusive: Bool
    /// Its events reach qfposd only, not the keyboard focus (an evdev node under `EVIOCGRAB`).
    public var isGrabbed: Bool
    /// Why the node is not open although a lane uses it (another reader holds it, it is not
    /// accessible); nil while it is open.
    public var problem: String?

    public init(isOpen: Bool, isExclusive: Bool = false, isGrabbed: Bool = false, problem: String? = nil) {
        self.isOpen = isOpen
        self.isExclusive = isExclusive
        self.isGrabbed = isGrabbed
        self.problem = problem
    }

    private enum CodingKeys: String, CodingKey {
        case isOpen = "open", isExclusive = "exclusive", isGrabbed = "grabbed", problem
    }
}
