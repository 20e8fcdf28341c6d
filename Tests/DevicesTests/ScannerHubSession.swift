import Devices
import Logging

/// A scanner hub following a device monitor, both started, with the hub's attachments collected
/// from before anything is plugged and the scanners' output as it comes. `stop()` stops both.
final class ScannerHubSession {
    /// Attachments, detachments and failures, in order.
    let attachments: Inbox<ScannerAttachment>
    /// What the attached scanners read.
    let scans: Inbox<ScannerOutput>
    let hub: ScannerHub
    private let monitor: DeviceMonitor
    private let collector: Task<Void, Never>

    /// Starts the hub, then the monitor.
    init(monitor: DeviceMonitor, configuration: DevicesConfiguration, logger: Logger) async throws {
        let scans = Inbox<ScannerOutput>()
        let attachments = Inbox<ScannerAttachment>()
        self.scans = scans
        self.attachments = attachments
        hub = ScannerHub(monitor: monitor, configuration: configuration, logger: logger) { scans.put($0) }
        self.monitor = monitor
        let stream = hub.attachments()
        collector = Task { for await attachment in stream { attachments.put(attachment) } }
        hub.start()
        do {
            try await monitor.start()
        } catch {
            stop()
            throw error
        }
    }

    /// Stops the hub and the monitor.
    func stop() {
        collector.cancel()
        hub.stop()
        monitor.stop()
    }
}
