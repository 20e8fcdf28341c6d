import Foundation
import QFPay

/// What a receipt says, independent of the printer's language.
public struct SaleReceipt: Sendable, Equatable {
    public var kind: ReceiptKind
    public var saleID: String
    public var lane: String
    public var outTradeNo: String
    public var syssn: String?
    public var amount: Int
    public var currency: String
    public var payType: PayType?
    /// The scanned code, masked.
    public var maskedCode: String?
    /// The dynamic-QR URL to print as a QR code (kind `.qrCode`).
    public var qrcode: String?
    /// Total refunded so far (refund receipts).
    public var refundedTotal: Int
    public var at: Date
    /// Printed again on request (`PaymentPipeline.reprint`).
    public var isReprint = false

    public init(
        kind: ReceiptKind, saleID: String, lane: String, outTradeNo: String, syssn: String?, amount: Int,
        currency: String, payType: PayType?, maskedCode: String?, qrcode: String?, refundedTotal: Int, at: Date
    ) {
        self.kind = kind
        self.saleID = saleID
        self.lane = lane
        self.outTradeNo = outTradeNo
        self.syssn = syssn
        self.amount = amount
        self.currency = currency
        self.payType = payType
        self.maskedCode = maskedCode
        self.qrcode = qrcode
        self.refundedTotal = refundedTotal
        self.at = at
    }
}

/// The earlier name of `SaleReceipt`, kept for code that spells it `Payments.ReceiptContent`
/// (the ESC/POS module has its own `ReceiptContent`; prefer `SaleReceipt`).
public typealias ReceiptContent = SaleReceipt
