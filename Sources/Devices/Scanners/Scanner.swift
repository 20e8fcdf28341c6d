/// A scanner reading one device: started, delivers `ScannerOutput`s to its handler, stopped.
public protocol Scanner: AnyObject, Sendable {
    /// The device being read.
    var source: ScanSource { get }
    /// How the device is held once `start()` returned: exclusively (a serial port), grabbed (an
    /// evdev node), or shared (a hidraw node).
    var access: ScannerAccess { get }
    /// Opens the device and starts reading. Throws `DevicesError` when it cannot be opened.
    func start() throws
    /// Stops reading and closes the device; returns once it is closed (so that it can be opened
    /// again, and an evdev grab is released). Idempotent. Must not be called from the handler.
    func stop()
}

/// How a scanner holds its device.
public struct ScannerAccess: Sendable, Equatable {
    /// No other `open` of the node succeeds while it is read (a serial port in `TIOCEXCL` mode).
    public var isExclusive: Bool
    /// Its events reach this reader only, not the keyboard focus (an evdev node under `EVIOCGRAB`).
    public var isGrabbed: Bool

    public init(isExclusive: Bool = false, isGrabbed: Bool = false) {
        self.isExclusive = isExclusive
        self.isGrabbed = isGrabbed
    }
}

/// Receives a scanner's output on the scanner's queue; must not block.
public typealias ScannerHandler = @Sendable (ScannerOutput) -> Void

/// Told once when a scanner's device went away (unplugged), with the errno of the failed read.
public typealias ScannerDisconnectHandler = @Sendable (_ source: ScanSource, _ systemError: Int32) -> Void
