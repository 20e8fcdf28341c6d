import Foundation
import QFPay
import Testing

@Suite struct HelperTests {
    @Test func authCodesAreMaskedForLogs() {
        #expect(AuthCode.mask("134676275354204254") == "1346••••••••••4254")
        #expect(AuthCode("280000000000000012").description == "2800••••••••••0012")
        #expect(AuthCode.mask("1346123412344254") == "1346••••••••4254")
        #expect(AuthCode.mask("12345678") == "••••••••")
        #expect(AuthCode.mask("123") == "•••")
        #expect(!"\(AuthCode("134676275354204254"))".contains("7627535420"))
        #expect(!String(reflecting: AuthCode("134676275354204254")).contains("7627535420"))
    }

    @Test func secretsNeverShowTheirValue() {
        let secret = Secret("SUPERSECRETKEY")
        var dumped = ""
        dump(secret, to: &dumped)
        for text in ["\(secret)", String(reflecting: secret), dumped, "\(Fixtures.configuration())"] {
            #expect(!text.contains("SUPERSECRETKEY"))
            #expect(!text.contains(Fixtures.key))
        }
    }

    @Test func orderNumbersAreUniqueValidAndRefundsHaveTheirOwnKind() throws {
        let generator = OrderNumberGenerator(terminal: "L2")
        let numbers = (0..<2000).map { _ in generator.paymentNumber(at: Fixtures.morning) }
        #expect(Set(numbers).count == numbers.count)
        let first = try #require(numbers.first)
        #expect(first.hasPrefix("PL220261127093512"))
        #expect(first.count == 29)
        let configuration = Fixtures.configuration()
        #expect(throws: Never.self) {
            try PaymentRequest.dynamicQR(outTradeNo: first, amount: 1, wallet: .wechat).parameters(for: configuration)
        }
        let refund = generator.refundNumber(at: Fixtures.morning)
        #expect(refund.hasPrefix("RL220261127093512"))
        #expect(!numbers.contains(refund))
    }

    @Test func keyFilesReadableByOthersAreRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qfpay-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("key").path
        try "ABCDEF\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        do {
            _ = try Secret.load(fromFile: path)
            Issue.record("a key file readable by others was accepted")
        } catch {
            #expect(error.code == .insecureKeyFile)
            #expect(error.message.contains("chmod 600"))
            #expect(!error.message.contains("ABCDEF"))
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(try Secret.load(fromFile: path) == Secret("ABCDEF"))
        #expect(throws: QFPayError.self) { try Secret.load(fromFile: directory.appendingPathComponent("none").path) }
    }

    @Test func retryBackoffGrowsExponentiallyWithinTheCap() {
        let policy = RetryPolicy(maxAttempts: 6, initialBackoff: .milliseconds(100), maxBackoff: .seconds(1))
        for retry in 1...8 {
            let ceiling = min(Duration.seconds(1), .milliseconds(100) * (1 << (retry - 1)))
            for _ in 0..<50 {
                let backoff = policy.backoff(beforeRetry: retry)
                #expect(backoff >= ceiling / 2 && backoff <= ceiling)
            }
        }
        #expect(policy.backoff(beforeRetry: 1, retryAfter: .seconds(30)) == .seconds(1))
        #expect(policy.backoff(beforeRetry: 1, retryAfter: .milliseconds(300)) == .milliseconds(300))
    }

    @Test func classifierTellsWalletsFromProductCodes() {
        let classifier = PaymentCodeClassifier(allowsAllInOne: false)
        #expect(classifier.classify("154676275354204254") == .payment(wallet: .wechat, payType: .wechatBarcode))
        #expect(classifier.classify("2512345678901234") == .payment(wallet: .alipay, payType: .alipayBarcode))
        #expect(classifier.classify("301234567890123456789012") == .payment(wallet: .alipay, payType: .alipayBarcode))
        #expect(
            classifier.classify("1234567890123456789012")
                == .notPaymentCode(reason: "22 digits match no wallet's payment code"))
        #expect(AuthCode("134676275354204254").classify() == .payment(wallet: .wechat, payType: .wechatBarcode))
        #expect(AuthCode("4901234567894").classify() == .productBarcode(symbology: "EAN-13"))
    }
}

extension HelperTests {
    @Test func lenientParsingReadsNumbersStringsAndNulls() throws {
        let response = try PaymentResponse(
            body: Array(#"{"respcd": "0000", "txamt": 12.0, "syssn": null, "txcurrcd": "", "qrcode": 5}"#.utf8))
        #expect(response.amount == 12)
        #expect(response.syssn == nil)
        #expect(response.currency == nil)
        #expect(response.qrcode == "5")
        let odd = try QueryResponse(body: Array(#"{"respcd": "0000", "page": "one", "data": [1, {"respcd": 0}]}"#.utf8))
        #expect(odd.page == nil)
        #expect(odd.records.count == 1)
        #expect(odd.records.first?.respcd == "0")
    }

    @Test func orderNumberTerminalsKeepOnlyLettersAndDigits() {
        let generator = OrderNumberGenerator(terminal: "lane 2/Ａ", timeZone: TimeZone(identifier: "UTC")!)
        let number = generator.paymentNumber(at: Fixtures.morning)
        #expect(number.hasPrefix("Plane220261127003512"))
    }

    @Test func emptyAndHugeKeyFilesAreRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qfpay-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let empty = directory.appendingPathComponent("empty").path
        let huge = directory.appendingPathComponent("huge").path
        try "\n".write(toFile: empty, atomically: true, encoding: .utf8)
        try String(repeating: "K", count: 70_000).write(toFile: huge, atomically: true, encoding: .utf8)
        for path in [empty, huge] {
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            #expect(throws: QFPayError.self) { try Secret.load(fromFile: path) }
        }
    }
}
