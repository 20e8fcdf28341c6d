/// QFPay `pay_type` values used in Japan (specification 2.1, 2.2).
public enum PayType: String, Sendable, Codable, CaseIterable {
    /// WeChat Pay, merchant scans the customer's code.
    case wechatBarcode = "800208"
    /// Alipay, merchant scans the customer's code.
    case alipayBarcode = "800108"
    /// All-in-one: QFPay routes by the code.
    case allInOneBarcode = "800008"
    /// WeChat Pay dynamic QR: the customer scans the code we print.
    case wechatQR = "800201"
    /// Alipay dynamic QR.
    case alipayQR = "800101"

    /// Whether the request carries the customer's `auth_code`.
    public var isBarcode: Bool { self == .wechatBarcode || self == .alipayBarcode || self == .allInOneBarcode }

    public var wallet: Wallet? {
        switch self {
        case .wechatBarcode, .wechatQR: .wechat
        case .alipayBarcode, .alipayQR: .alipay
        case .allInOneBarcode: nil
        }
    }
}

/// The customer's wallet.
public enum Wallet: String, Sendable, Codable, CaseIterable {
    case wechat
    case alipay

    public var barcodePayType: PayType { self == .wechat ? .wechatBarcode : .alipayBarcode }
    public var qrPayType: PayType { self == .wechat ? .wechatQR : .alipayQR }
    public var displayName: (english: String, japanese: String) {
        self == .wechat ? ("WeChat Pay", "WeChat Pay") : ("Alipay", "Alipay (支付宝)")
    }
}
