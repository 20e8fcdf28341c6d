extension ReceiptContent {
    /// Sample content for each layout, used by `qfposctl receipt render`, tests and benchmarks.
    /// `qrURL` is the QR prompt's and test page's URL (a sample one when nil); for sale, refund
    /// and cancel receipts it becomes the `receiptURL` (none when nil).
    public static func sample(
        _ kind: Kind, language: Language = .jaEn, amount: Int = 1_200, qrURL: String? = nil
    ) -> ReceiptContent {
        var content = ReceiptContent(
            kind: kind, language: language, shopName: "カフェ 山田 Cafe Yamada",
            shopAddress: ["東京都千代田区丸の内1-1-1", "TEL 03-1234-5678"],
            dateTime: ReceiptDateTime(year: 2026, month: 11, day: 27, hour: 9, minute: 41, second: 5),
            amount: amount, walletName: "WeChat Pay", syssn: "20261127000300020012345678",
            outTradeNo: "POS-20261127-0042", maskedPayerID: "oX2b••••••••9fQ", goodsName: "ブレンドコーヒー Blend coffee",
            expiresAt: ReceiptDateTime(year: 2026, month: 11, day: 27, hour: 9, minute: 46, second: 5),
            qrURL: kind == .qrPrompt || kind == .testPage
                ? (qrURL ?? "https://qr.qfpay.example/q/20261127000300020012345678") : nil,
            receiptURL: kind == .qrPrompt || kind == .testPage ? nil : qrURL)
        switch kind {
        case .refund:
            content.refundAmount = amount
            content.originalSyssn = "20261127000300020012345678"
            content.syssn = "20261127000300020012349999"
        case .cancel:
            content.originalSyssn = content.syssn
        case .summary:
            content.summary = DailySummary(
                lines: [
                    .init(
                        walletName: "WeChat Pay", saleCount: 12, saleAmount: 18_400, refundCount: 1, refundAmount: 1_200
                    ),
                    .init(walletName: "Alipay", saleCount: 7, saleAmount: 9_350),
                ],
                cancelCount: 2)
        default:
            break
        }
        return content
    }
}
