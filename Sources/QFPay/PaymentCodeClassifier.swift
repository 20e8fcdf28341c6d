/// What a scanned code is, from its text alone (qfpay-notes.md, "Payment codes").
public enum ScannedCode: Sendable, Equatable {
    /// A customer's payment code and the pay type to send it with.
    case payment(wallet: Wallet?, payType: PayType)
    /// A product barcode (EAN-13/JAN, EAN-8, UPC-A/E): never sent to QFPay.
    case productBarcode(symbology: String)
    /// Anything else: text, noise.
    case notPaymentCode(reason: String)
}

/// Classifies scanned codes. WeChat: 18 digits starting 10–15. Alipay: 16–24 digits starting 25–30.
/// Other all-digit codes of 16–32 digits go as all-in-one (800008) when allowed. Product barcodes
/// (valid EAN/UPC check digit at 8, 12 or 13 digits) are refused.
public struct PaymentCodeClassifier: Sendable {
    public var allowsAllInOne: Bool

    public init(allowsAllInOne: Bool = true) { self.allowsAllInOne = allowsAllInOne }

    public func classify(_ text: String) -> ScannedCode {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return .notPaymentCode(reason: "empty") }
        guard bytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return .notPaymentCode(reason: "not all digits")
        }
        if let symbology = Self.productSymbology(bytes) { return .productBarcode(symbology: symbology) }
        let prefix = Int(bytes[0] - 48) * 10 + Int(bytes[1 < bytes.count ? 1 : 0] - 48)
        if bytes.count == 18, (10...15).contains(prefix) { return .payment(wallet: .wechat, payType: .wechatBarcode) }
        if (16...24).contains(bytes.count), (25...30).contains(prefix) {
            return .payment(wallet: .alipay, payType: .alipayBarcode)
        }
        if allowsAllInOne, (16...32).contains(bytes.count) { return .payment(wallet: nil, payType: .allInOneBarcode) }
        return .notPaymentCode(reason: "\(bytes.count) digits match no wallet's payment code")
    }

    /// EAN-13/JAN, UPC-A, EAN-8 by length and a valid check digit.
    static func productSymbology(_ digits: [UInt8]) -> String? {
        let names = [8: "EAN-8", 12: "UPC-A", 13: "EAN-13"]
        guard let name = names[digits.count] else { return nil }
        let values = digits.map { Int($0 - 48) }
        let body = values.dropLast()
        var sum = 0
        for (offset, digit) in body.reversed().enumerated() { sum += digit * (offset % 2 == 0 ? 3 : 1) }
        return (10 - sum % 10) % 10 == values.last! ? name : nil
    }
}
