/// The `resperr` texts the gateway answers with, in Chinese as QFPay's gateway writes them (they
/// go out as `\uXXXX` escapes), with an English gloss for `respmsg` on errors.
enum GatewayMessages {
    static func resperr(_ respcd: String) -> String {
        table[respcd]?.chinese ?? "交易失败"
    }

    static func english(_ respcd: String) -> String {
        table[respcd]?.english ?? "transaction failed"
    }

    private static let table: [String: (chinese: String, english: String)] = [
        "0000": ("交易成功", "success"),
        "1102": ("订单号重复", "duplicate order number"),
        "1103": ("参数格式错误", "parameter format error"),
        "1104": ("参数错误", "parameter error"),
        "1108": ("签名错误", "signature error"),
        "1125": ("该订单已退款", "already refunded"),
        "1142": ("订单已关闭", "the order has been closed"),
        "1143": ("订单还未支付，或者正在输入密码中", "not paid yet, or the customer is entering the password"),
        "1144": ("微信二维码被支付宝扫描，或银行卡无效", "WeChat code scanned as Alipay, or bank card invalid"),
        "1145": ("处理中，请稍等", "waiting for payment"),
        "1147": ("微信刷卡失败", "WeChat card failed"),
        "1155": ("拒绝退款", "refund denied"),
        "1161": ("交易结果未知，请查询", "result unknown, query the order"),
        "1181": ("订单已过期", "the order has expired"),
        "1201": ("余额不足", "insufficient balance"),
        "1202": ("付款码错误或已过期", "payment code wrong or expired"),
        "1265": ("该时段不支持退款", "not refundable now (23:30 to 00:30)"),
        "1266": ("金额错误", "wrong amount"),
        "1270": ("不支持部分退款", "partial refund not supported"),
        "1272": ("退款金额超过可退金额", "refund over the refundable amount"),
        "1296": ("通道错误", "channel error"),
        "1297": ("请尝试其他支付方式", "try another payment method"),
        "1298": ("网络较慢，请稍后查询", "slow network, confirm later"),
        "2004": ("余额不足", "insufficient balance"),
        "2005": ("二维码已失效", "code invalid or expired"),
        "2006": ("二维码非法", "illegal code"),
        "2007": ("用户取消支付", "the customer closed the transaction"),
    ]
}
