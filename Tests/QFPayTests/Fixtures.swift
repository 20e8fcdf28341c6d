import Foundation
import QFPay

/// Configurations and bodies shared by the QFPay tests.
enum Fixtures {
    static let key = "615ED178BA524459976CE40FAB78000F"

    static func configuration(
        baseURL: String = "https://openapi-test.qfpay.com", signType: DigestAlgorithm = .md5,
        merchantID: String? = "M1"
    ) -> QFPayConfiguration {
        QFPayConfiguration(
            environment: .custom(URL(string: baseURL)!), appCode: "APPCODE", key: Secret(key), merchantID: merchantID,
            signType: signType)
    }

    static let tokyo = TimeZone(identifier: "Asia/Tokyo")!

    /// 2026-11-27 09:35:12 in Tokyo (00:35:12 UTC).
    static let morning = TransactionTime.parse("2026-11-27 09:35:12", in: tokyo)!

    /// The specification's payment answer that its "MD5 data" example signs.
    static let specificationPaymentBody =
        #"{"pay_type": "800108", "sysdtm": "2018-01-12 19:31:16", "cardcd": "2088802362210279", "#
        + #""txdtm": "2018-01-12 19:31:22", "resperr": "\u4ea4\u6613\u6210\u529f", "txcurrcd": "CNY", "#
        + #""txamt": "1", "respmsg": "", "out_trade_no": "130145934788787530052", "#
        + #""syssn": "20180112000100020001662134", "respcd": "0000"}"#
}

/// Response signing for scripted answers.
enum QFPaySigning {
    static func sign(_ body: [UInt8], key: String) -> String { Signer(key: key).bodySignature(body) }
}
