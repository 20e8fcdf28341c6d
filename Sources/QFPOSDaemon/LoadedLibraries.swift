import ControlProtocol
import Devices
import Payments
import QFPay
import QRCode

/// The versions of the shared C libraries this process loaded, as `daemon.status` and
/// `qfposctl doctor` report them: Debian's security updates replace these files, and a running
/// daemon keeps the old ones until it is restarted.
public enum LoadedLibraries {
    /// `openssl`, `sqlite`, `libudev` and `libqrencode`, each as its library names itself.
    public static var versions: [String: String] {
        [
            "openssl": DigestAlgorithm.libraryVersion,
            "sqlite": Journal.sqliteVersion,
            "libudev": UdevLibrary.version,
            "libqrencode": QRCode.libraryVersion,
        ]
    }

    /// `versions` as the JSON object of `daemon.status`'s `libraries`.
    public static var json: JSONValue { .object(versions.mapValues(JSONValue.string)) }
}
