import QFPay
import Testing

@Suite struct PaymentCodeClassifierTests {
    let classifier = PaymentCodeClassifier()

    @Test func wechatAndAlipayCodesAreRecognised() {
        #expect(classifier.classify("134676275354204254") == .payment(wallet: .wechat, payType: .wechatBarcode))
        #expect(classifier.classify("280000000000000000") == .payment(wallet: .alipay, payType: .alipayBarcode))
        #expect(classifier.classify("1234567890123456789012") == .payment(wallet: nil, payType: .allInOneBarcode))
    }

    @Test func productBarcodesAndTextAreRefused() {
        #expect(classifier.classify("4901234567894") == .productBarcode(symbology: "EAN-13"))
        #expect(classifier.classify("96385074") == .productBarcode(symbology: "EAN-8"))
        #expect(classifier.classify("036000291452") == .productBarcode(symbology: "UPC-A"))
        #expect(classifier.classify("hello") == .notPaymentCode(reason: "not all digits"))
        #expect(classifier.classify("") == .notPaymentCode(reason: "empty"))
        #expect(classifier.classify("12345") == .notPaymentCode(reason: "5 digits match no wallet's payment code"))
    }
}
