/// Receipt labels in Japanese and English.
enum ReceiptLabel {
    case saleTitle, refundTitle, cancelTitle, summaryTitle, promptTitle, testTitle
    case dateTime, amount, wallet, syssn, orderNumber, payer, goods, refundAmount, originalSyssn
    case expires, scanPrompt, reprint, thanks, salesCount, refundsCount, cancels, netTotal
    case cancelNote

    var japanese: String {
        switch self {
        case .saleTitle: return "お買上げ明細"
        case .refundTitle: return "返金明細"
        case .cancelTitle: return "取消明細"
        case .summaryTitle: return "日計表"
        case .promptTitle: return "お支払い"
        case .testTitle: return "テスト印刷"
        case .dateTime: return "日時"
        case .amount: return "金額"
        case .wallet: return "決済方法"
        case .syssn: return "取引番号"
        case .orderNumber: return "注文番号"
        case .payer: return "お客様ID"
        case .goods: return "品名"
        case .refundAmount: return "返金額"
        case .originalSyssn: return "元取引番号"
        case .expires: return "有効期限"
        case .scanPrompt: return "アプリでQRコードを読み取ってください"
        case .reprint: return "再発行"
        case .thanks: return "ありがとうございました"
        case .salesCount: return "売上"
        case .refundsCount: return "返金"
        case .cancels: return "取消"
        case .netTotal: return "純売上"
        case .cancelNote: return "この取引は取り消されました"
        }
    }

    var english: String {
        switch self {
        case .saleTitle: return "SALE RECEIPT"
        case .refundTitle: return "REFUND RECEIPT"
        case .cancelTitle: return "CANCELLED"
        case .summaryTitle: return "DAILY SUMMARY"
        case .promptTitle: return "PLEASE PAY"
        case .testTitle: return "TEST PAGE"
        case .dateTime: return "Date"
        case .amount: return "Amount"
        case .wallet: return "Wallet"
        case .syssn: return "Transaction"
        case .orderNumber: return "Order"
        case .payer: return "Payer"
        case .goods: return "Item"
        case .refundAmount: return "Refund"
        case .originalSyssn: return "Original"
        case .expires: return "Expires"
        case .scanPrompt: return "Scan the QR code with your app"
        case .reprint: return "REPRINT"
        case .thanks: return "Thank you"
        case .salesCount: return "Sales"
        case .refundsCount: return "Refunds"
        case .cancels: return "Cancels"
        case .netTotal: return "Net"
        case .cancelNote: return "This transaction was cancelled"
        }
    }

    /// The label lines in `language`: Japanese, English, or Japanese with English below.
    func texts(_ language: ReceiptContent.Language) -> [String] {
        switch language {
        case .ja: return [japanese]
        case .en: return [english]
        case .jaEn: return [japanese, english]
        }
    }
}
