import ESCPOS
import Foundation
import QFPay
import WallClock

/// `ReceiptPrinter` over the ESC/POS layouts: maps a sale's receipt to `ESCPOS.ReceiptContent`,
/// renders it for the printer's profile and hands the bytes to `send` (the daemon wires it to the
/// lane's `PrinterLink`). Errors are thrown to the pipeline, which logs them; they never change a sale.
public struct ESCPOSReceiptPrinter: ReceiptPrinter {
    private let renderer: ReceiptRenderer
    private let shopName: String
    private let shopAddress: [String]
    private let language: ESCPOS.ReceiptContent.Language
    private let timeZone: TimeZone
    private let send: @Sendable (_ lane: String, _ bytes: [UInt8]) async throws -> Void

    public init(
        renderer: ReceiptRenderer, shopName: String, shopAddress: [String] = [],
        language: ESCPOS.ReceiptContent.Language = .jaEn,
        timeZone: TimeZone = .japanStandardTime,
        send: @escaping @Sendable (_ lane: String, _ bytes: [UInt8]) async throws -> Void
    ) {
        self.renderer = renderer
        self.shopName = shopName
        self.shopAddress = shopAddress
        self.language = language
        self.timeZone = timeZone
        self.send = send
    }

    public func print(_ receipt: SaleReceipt) async throws {
        try await send(receipt.lane, try renderer.render(content(receipt)))
    }

    /// The ESC/POS content of a sale's receipt.
    public func content(_ receipt: SaleReceipt) -> ESCPOS.ReceiptContent {
        let kind: ESCPOS.ReceiptContent.Kind
        var refundAmount: Int? = nil
        switch receipt.kind {
        case .qrCode: kind = .qrPrompt
        case .payment: kind = .sale
        case .cancellation: kind = .cancel
        case .refund(let refund):
            kind = .refund
            refundAmount = refund.amount
        }
        let wallet = receipt.payType?.wallet?.displayName
        let walletName =
            language == .en ? wallet?.english ?? "WeChat Pay / Alipay" : wallet?.japanese ?? "WeChat Pay / Alipay"
        return ESCPOS.ReceiptContent(
            kind: kind, language: language, shopName: shopName, shopAddress: shopAddress,
            dateTime: WallClockTime(receipt.at, in: timeZone), amount: receipt.amount, currency: receipt.currency,
            walletName: walletName,
            syssn: receipt.syssn, outTradeNo: receipt.outTradeNo, maskedPayerID: receipt.maskedCode,
            refundAmount: refundAmount, originalSyssn: kind == .refund ? receipt.syssn : nil,
            isReprint: receipt.isReprint,
            qrURL: receipt.qrcode)
    }
}
