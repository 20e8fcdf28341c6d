import Dispatch
import Logging

/// Finds scanners and printers with libudev and follows them on hot-plug: enumerates once at
/// `start()`, then a udev monitor socket driven by a Dispatch read source (no polling) publishes
/// `DeviceEvent`s as devices come, change and go.
///
/// Devices udev has not processed yet (no rules ran: under a umockdev testbed, or in the instant
/// after plugging) are reported from what sysfs tells; when udev's own `add` arrives later for
/// the same device it becomes a `.changed` event, never a second `.added`.
///
/// Confinement: every libudev object and the device table live on `queue`; the public methods
/// may be called from any thread.
public final class DeviceMonitor: @unchecked Sendable {
    /// The subsystems watched: serial lines, evdev, hidraw, USB printers, and USB for metadata.
    static let subsystems = ["tty", "input", "hidraw", "usbmisc", "usb"]

    private let configuration: DevicesConfiguration
    private let logger: Logger
    private let queue = DispatchQueue(label: "qfpos.devices.monitor")
    // Confined to `queue`.
    private var context: UdevContext?
    private var monitor: UdevMonitor?
    private var source: (any DispatchSourceRead)?
    /// Signalled by the source's cancel handler, once the monitor's socket is closed.
    private var socketClosed: DispatchSemaphore?
    private var known: [String: DeviceInfo] = [:]
    private var subscribers: [Int: @Sendable (DeviceEvent) -> Void] = [:]
    private var nextSubscriber = 0

    public init(configuration: DevicesConfiguration = DevicesConfiguration(), logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    deinit { source?.cancel() }  // the cancel handler keeps the socket open until the source is done

    /// Opens the udev monitor, enumerates the present devices (publishing `.added` for each, and
    /// for the configuration's static devices), then follows changes. Throws when libudev is
    /// unavailable. Blocks while it enumerates (sysfs reads): from async code use `start() async`.
    public func start() throws {
        try queue.sync {
            guard monitor == nil else { return }
            let context = try UdevContext()
            // The monitor first, so that nothing plugged during the enumeration is missed.
            let monitor = try UdevMonitor(context: context, subsystems: Self.subsystems)
            self.context = context
            self.monitor = monitor
            for device in try DeviceScan.scan(context: context, classifier: classifier) {
                publish(.added(device))
            }
            // Static paths last: one naming a node udev reports is that device, not a second one.
            reconcileStaticDevices()
            let source = DispatchSource.makeReadSource(fileDescriptor: monitor.fileDescriptor, queue: queue)
            source.setEventHandler { [weak self] in self?.drainMonitor() }
            // The monitor (and its socket) must outlive the source: closing a descriptor a
            // Dispatch source still watches lets the number be reused under it.
            let socketClosed = DispatchSemaphore(value: 0)
            var held: (UdevMonitor, UdevContext)? = (monitor, context)
            source.setCancelHandler {
                withExtendedLifetime(held) {}
                held = nil  // the last references once `stop()` has let go: the socket closes here
                socketClosed.signal()
            }
            source.resume()
            self.source = source
            self.socketClosed = socketClosed
            logger.info("device discovery started", metadata: ["devices.count": "\(known.count)"])
        }
    }

    /// `start()` from async code: the enumeration's blocking sysfs reads run on the monitor's
    /// queue, not on the caller's executor.
    public func start() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try self.start() })
            }
        }
    }

    /// Stops following changes and returns once the monitor's socket is closed, so that no
    /// hot-plug messages pile up for a monitor nobody reads. Known devices stay listed in
    /// `devices`. Not to be called from a subscriber's handler (it runs on the monitor's queue).
    public func stop() {
        let socketClosed = queue.sync {
            // The socket closes when the cancel handler, queued after this block, releases the monitor.
            source?.cancel()
            source = nil
            monitor = nil
            context = nil
            defer { self.socketClosed = nil }
            return self.socketClosed
        }
        socketClosed?.wait()
    }

    /// The devices known now (scanners, printers and ignored candidates), sorted by identity.
    public var devices: [DeviceInfo] {
        queue.sync { known.values.sorted { $0.id < $1.id } }
    }

    /// Calls `handler` on the monitor's queue for every event from now on; it must not block.
    /// Subscribe before `start()` to see the initial `.added` events. Returns a token for `unsubscribe`.
    @discardableResult
    public func subscribe(_ handler: @escaping @Sendable (DeviceEvent) -> Void) -> Int {
        queue.sync {
            nextSubscriber += 1
            subscribers[nextSubscriber] = handler
            return nextSubscriber
        }
    }

    /// Stops calling a subscribed handler.
    public func unsubscribe(_ token: Int) {
        queue.sync { _ = subscribers.removeValue(forKey: token) }
    }

    /// The events from now on, as an async sequence (unbounded buffer: device events are rare).
    public func events() -> AsyncStream<DeviceEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: DeviceEvent.self)
        let token = subscribe { continuation.yield($0) }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(token) }
        return stream
    }

    private var classifier: DeviceClassifier { DeviceClassifier(configuration: configuration) }

    private func drainMonitor() {
        while let device = monitor?.receive() {
            handle(device)
        }
    }

    private func handle(_ device: UdevDevice) {
        guard let syspath = device.syspath, let action = device.action else { return }
        if device.subsystem == "usb" {
            // USB metadata changed (driver bound, configuration set): look at its children again.
            guard action == "change" || action == "bind" else { return }
            for (path, _) in known where path.hasPrefix(syspath + "/") { refresh(path) }
            return
        }
        switch action {
        case "remove":
            if let info = known.removeValue(forKey: syspath) {
                publish(.removed(info))
                reconcileStaticDevices()
            }
        default:
            let info = DeviceFacts(device: device).flatMap(classifier.classify)
            update(syspath: syspath, to: info)
        }
    }

    private func refresh(_ syspath: String) {
        guard let context, let device = DeviceScan.device(context: context, syspath: syspath) else { return }
        update(syspath: syspath, to: DeviceFacts(device: device).flatMap(classifier.classify))
    }

    private func update(syspath: String, to info: DeviceInfo?) {
        switch (known[syspath], info) {
        case (nil, let info?):
            reconcileStaticDevices(with: info)  // a static path naming this node is withdrawn first
            publish(.added(info))
        case (let old?, let info?) where old != info:
            reconcileStaticDevices(with: info)
            publish(.changed(info))
        case (let old?, nil):
            known.removeValue(forKey: syspath)
            publish(.removed(old))
            reconcileStaticDevices()
        default:
            break
        }
    }

    /// Lists each static device (a configured path) unless udev reports the node it names, so
    /// that one node is one device with one reader: withdrawn (`.removed`) when udev reports
    /// its node, listed again (`.added`) when udev no longer does. `incoming` is a udev device
    /// about to be published.
    private func reconcileStaticDevices(with incoming: DeviceInfo? = nil) {
        var discovered = known.filter { $0.value.subsystem != "config" }
        if let incoming, let syspath = incoming.syspath { discovered[syspath] = incoming }
        let wanted = configuration.staticDevices(besides: Array(discovered.values))
        let wantedIDs = Set(wanted.map(\.id))
        for (key, device) in known where device.subsystem == "config" && !wantedIDs.contains(device.id) {
            known.removeValue(forKey: key)
            publish(.removed(device))
        }
        for device in wanted where known[device.id] == nil { publish(.added(device)) }
    }

    private func publish(_ event: DeviceEvent) {
        switch event {
        case .added(let info), .changed(let info):
            known[info.syspath ?? info.id] = info
        case .removed:
            break
        }
        let info = event.device
        logger.info(
            "device \(Self.verb(event))",
            metadata: [
                "device.id": "\(info.id)", "device.role": "\(info.role.rawValue)", "device.path": "\(info.node)",
                "device.reason": "\(info.reason)",
            ])
        for handler in subscribers.values { handler(event) }
    }

    private static func verb(_ event: DeviceEvent) -> String {
        switch event {
        case .added: "added"
        case .changed: "changed"
        case .removed: "removed"
        }
    }
}

/// One enumeration of the watched subsystems.
enum DeviceScan {
    static func scan(context: UdevContext, classifier: DeviceClassifier) throws -> [DeviceInfo] {
        try context.enumerate(subsystems: DeviceMonitor.subsystems.filter { $0 != "usb" })
            .compactMap { DeviceFacts(device: $0).flatMap(classifier.classify) }
    }

    static func device(context: UdevContext, syspath: String) -> UdevDevice? {
        context.device(syspath: syspath)
    }
}
