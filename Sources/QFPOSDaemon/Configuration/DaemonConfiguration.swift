/// Everything `qfposd` is configured with, read from the YAML file and environment overrides by
/// ``ConfigurationLoader``. The QFPay key is not here: it is read from its own file by
/// ``QFPayKeyFile``, never from the YAML or the command line.
public struct DaemonConfiguration: Sendable, Hashable {
    /// The QFPay gateway.
    public struct Gateway: Sendable, Hashable {
        /// `production`, `test` or `sandbox` (a local sandbox at `baseURL`).
        public var environment: String
        /// The gateway's base URL; derived from `environment` unless set.
        public var baseURL: String
        public var appCode: String
        public var merchantID: String?
        /// The key file used when `$CREDENTIALS_DIRECTORY/qfpay-key` does not exist.
        public var keyFile: String?
        /// Seconds to wait for one gateway answer.
        public var timeoutSeconds: Double
        /// The merchant's request budget, shared by every lane: QFPay's published 100 a second and
        /// 400 a minute. Raise them only for a local gateway that allows more (benchmarks).
        public var requestsPerSecond: Int = 100
        public var requestsPerMinute: Int = 400
    }

    /// The shop, as printed on receipts.
    public struct Shop: Sendable, Hashable {
        public var name: String
        public var address: String?
        public var phone: String?
    }

    /// One device of a lane: a static path (`/dev/ttyACM0`, a pty, `host:9100`) or a udev match.
    public struct DeviceSpec: Sendable, Hashable {
        /// A static path or `host:port`.
        public var path: String?
        /// A udev match such as `ID_VENDOR_ID=0c2e,ID_MODEL_ID=0b61` or a by-id path.
        public var match: String?
        /// Serial settings for a scanner (baud, frame suffix, keyboard layout), as given.
        public var baud: Int?
        public var suffix: String?
        public var layout: String?
        /// A printer's profile name (paper width, code page), as given.
        public var profile: String?
        /// Where a printer's PNG preview is written (demo and tests).
        public var previewPath: String?
    }

    /// A lane: one scanner and one printer serving one till.
    public struct Lane: Sendable, Hashable {
        public var id: String
        public var scanner: DeviceSpec?
        public var printer: DeviceSpec?
    }

    /// The payment pipeline's timing.
    public struct Payments: Sendable, Hashable {
        public var pollIntervalSeconds: [Double]
        public var pollWindowSeconds: Double
        public var scanTimeoutSeconds: Double
        public var qrExpirySeconds: Double
        /// `goods_name` of sales the till names no goods for (QFPay requires one).
        public var defaultGoodsName: String = "商品"
        /// How long an order that could not be closed is followed up before it needs attention.
        public var followUpMinutes: Double = 30
    }

    /// The control socket for the till.
    public struct Control: Sendable, Hashable {
        public var socketPath: String
        /// The group given to the socket and its directory (the till's user joins it); `nil`
        /// keeps the daemon's group. Not the daemon's own group, which owns the scanners' nodes.
        public var group: String?
        /// When set, only these uids (and root) may connect.
        public var allowedUIDs: [UInt32]?
        /// Uids that may connect to read only (status, sales, devices, events), never to start,
        /// cancel, refund, reprint or reconcile.
        public var readOnlyUIDs: [UInt32] = []
        public var maximumConnections: Int
        /// Connections one uid may hold; nil: half of `maximumConnections`, rounded up.
        public var maximumConnectionsPerUID: Int?
        /// Seconds a connection may send nothing (unless subscribed or waiting) before it is closed; 0: never.
        public var idleTimeoutSeconds: Double = 300
    }

    /// The optional listener for QFPay's asynchronous payment notifications.
    public struct NotifyListener: Sendable, Hashable {
        public var enabled: Bool
        /// An IP address of this machine (loopback: the reverse proxy forwards to it).
        public var host: String
        public var port: Int
        /// Connections open at once, at most.
        public var maximumConnections: Int = 32
        /// Seconds a connection may take to send its request before it is closed.
        public var readTimeoutSeconds: Double = 10
    }

    /// An HTTP listener of the daemon's own: the metrics or the status page (both off by default).
    public struct HTTPListener: Sendable, Hashable {
        public var enabled: Bool
        /// `host:port`; loopback unless a password hash is set.
        public var listen: String
        /// HTTP basic auth, required off loopback: the user and a `pbkdf2-sha256$...` hash.
        public var basicAuthUser: String
        public var basicAuthPasswordHash: String?

        public init(
            enabled: Bool = false, listen: String = DaemonConfiguration.defaultHTTPListen,
            basicAuthUser: String = "technician", basicAuthPasswordHash: String? = nil
        ) {
            self.enabled = enabled
            self.listen = listen
            self.basicAuthUser = basicAuthUser
            self.basicAuthPasswordHash = basicAuthPasswordHash
        }
    }

    public var gateway: Gateway
    public var shop: Shop
    public var lanes: [Lane]
    public var payments: Payments
    public var journalPath: String
    public var control: Control
    public var notifyListener: NotifyListener
    /// swift-log level name: trace, debug, info, notice, warning, error, critical.
    public var logLevel: String
    /// Prometheus metrics at `/metrics` (`metrics.*`).
    public var metrics = HTTPListener()
    /// The technician's status page at `/` (`status_page.*`); on the metrics' listener when both
    /// name the same address.
    public var statusPage = HTTPListener()
}

extension DaemonConfiguration {
    /// The app code of config/qfposd.example.yaml (the package's /etc/qfpos/qfposd.yaml): an
    /// error until the shop's own is put in.
    public static let exampleAppCode = "YOUR_APP_CODE"
    /// The default configuration file.
    public static let defaultPath = "/etc/qfpos/qfposd.yaml"
    /// Where the metrics and the status page listen unless configured: loopback, Prometheus'
    /// port allocation for qfpos' exporter range.
    public static let defaultHTTPListen = "127.0.0.1:9464"
    /// The default control socket.
    public static let defaultSocketPath = "/run/qfpos/control.sock"
    /// The control socket's group in the shipped units and example configuration: the till's
    /// user joins it, and only it (the daemon's own group `qfpos` owns the device nodes).
    public static let tillGroup = "qfpos-till"
    /// Base URLs of QFPay's hosts for Japan, from the specification.
    public static let gatewayURLs = [
        "production": "https://openapi.qfpay.com",
        "test": "https://openapi-test.qfpay.com",
    ]
}
