import ControlProtocol
import ESCPOS
import Foundation
import Glibc
import Logging
import Payments
import QFPay

/// Prints the pipeline's receipts on each lane's printer: lays them out with the ESC/POS
/// library and writes the bytes to the printer's path (a serial port, `/dev/usb/lp0`, a pty or a
/// file) or to `host:9100`. With `preview_path`, a PNG preview of the last receipt is written
/// too (the demo). Every outcome is published as a `printer.status` event; a failure is thrown
/// to the pipeline, which logs it and never lets it change a payment.
public final class LanePrinter: Payments.ReceiptPrinter {
    private let lanes: [String: DaemonConfiguration.DeviceSpec]
    private let shop: DaemonConfiguration.Shop
    private let publish: @Sendable (EventNotification) -> Void
    private let logger: Logger
    private let timeZone = TimeZone(identifier: "Asia/Tokyo")!

    public init(
        configuration: DaemonConfiguration, logger: Logger, publish: @escaping @Sendable (EventNotification) -> Void
    ) {
        var lanes: [String: DaemonConfiguration.DeviceSpec] = [:]
        for lane in configuration.lanes { lanes[lane.id] = lane.printer }
        self.lanes = lanes
        self.shop = configuration.shop
        self.publish = publish
        self.logger = logger
    }

    public func print(_ receipt: Payments.ReceiptContent) async throws {
        guard let spec = lanes[receipt.lane], let path = spec.path else {
            // A lane without a printer (the till shows the result): nothing to print.
            logger.debug("no printer on lane", metadata: ["lane": "\(receipt.lane)"])
            return
        }
        let profile = try spec.profile.map { name throws in try PrinterProfile.named(name) } ?? PrinterProfile.all[0]
        let bytes = try ReceiptRenderer(profile: profile).render(content(receipt))
        do {
            try write(bytes, to: path)
            if let preview = spec.previewPath {
                try Data(ReceiptPreview(bytes: bytes, profile: profile).png()).write(to: URL(fileURLWithPath: preview))
            }
            publish(
                EventNotification(
                    method: EventName.printerStatus,
                    params: ["lane": .string(receipt.lane), "state": "ready", "printed": .string(receipt.saleID)]))
        } catch {
            logger.error("printing failed", metadata: ["lane": "\(receipt.lane)", "error": "\(error)"])
            publish(
                EventNotification(
                    method: EventName.printerStatus,
                    params: ["lane": .string(receipt.lane), "state": "error", "error": .string("\(error)")]))
            throw error
        }
    }

    /// The ESC/POS layout's content for a pipeline receipt.
    func content(_ receipt: Payments.ReceiptContent) -> ESCPOS.ReceiptContent {
        let kind: ESCPOS.ReceiptContent.Kind
        var refundAmount: Int?
        switch receipt.kind {
        case .qrCode: kind = .qrPrompt
        case .payment: kind = .sale
        case .cancellation: kind = .cancel
        case .refund(let refund):
            kind = .refund
            refundAmount = refund.amount
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: receipt.at)
        let dateTime = ReceiptDateTime(
            year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0, hour: parts.hour ?? 0,
            minute: parts.minute ?? 0, second: parts.second ?? 0)
        return ESCPOS.ReceiptContent(
            kind: kind, shopName: shop.name,
            shopAddress: [shop.address, shop.phone].compactMap { $0 },
            dateTime: dateTime, amount: receipt.amount, currency: receipt.currency,
            walletName: receipt.payType?.wallet?.displayName.japanese ?? "", syssn: receipt.syssn,
            outTradeNo: receipt.outTradeNo, maskedPayerID: receipt.maskedCode, refundAmount: refundAmount,
            qrURL: receipt.qrcode)
    }

    /// Writes `bytes` whole to a device path, a file (appended) or `host:port`.
    func write(_ bytes: [UInt8], to path: String) throws {
        let descriptor: Int32
        if !path.hasPrefix("/"), let colon = path.lastIndex(of: ":"),
            let port = Int(path[path.index(after: colon)...])
        {
            descriptor = try Self.connect(host: String(path[..<colon]), port: port)
        } else {
            descriptor = open(path, O_WRONLY | O_NOCTTY | O_APPEND | O_CLOEXEC | O_CREAT, 0o640)
            guard descriptor >= 0 else {
                throw DaemonError(.startFailed, "cannot open printer \(path): \(String(cString: strerror(errno)))")
            }
        }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw DaemonError(.startFailed, "cannot write to printer \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    private static func connect(host: String, port: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else {
            throw DaemonError(.startFailed, "cannot resolve printer \(host)")
        }
        defer { freeaddrinfo(result) }
        let descriptor = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0, Glibc.connect(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            if descriptor >= 0 { close(descriptor) }
            throw DaemonError(.startFailed, "cannot connect to printer \(host):\(port)")
        }
        return descriptor
    }
}
