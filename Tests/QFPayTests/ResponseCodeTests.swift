import QFPay
import Testing

@Suite struct ResponseCodeTests {
    /// Every code the specification and the notes name.
    static let documented: [String] = [
        "0000", "1100", "1102", "1103", "1104", "1108", "1125", "1142", "1143", "1144", "1145", "1147", "1155",
        "1161", "1181", "1201", "1202", "1265", "1266", "1269", "1270", "1271", "1272", "1296", "1297", "1298",
        "2004", "2005", "2006", "2007", "2011", "2999",
    ]

    @Test(arguments: documented)
    func everyDocumentedCodeHasAnEnglishAndAJapaneseMeaning(_ code: String) {
        let code = ResponseCode(rawValue: code)
        #expect(code.isKnown)
        #expect(!code.englishMessage.isEmpty)
        #expect(!code.englishMessage.contains("Unknown"))
        #expect(code.japaneseMessage.unicodeScalars.contains { $0.value > 0x3000 })
    }

    @Test func theTableHoldsExactlyTheDocumentedCodes() {
        #expect(ResponseCode.allKnown.map(\.rawValue) == Self.documented.sorted())
    }

    @Test func pendingCodesMeanQueryAgain() {
        for code in ["1143", "1145", "1298", "2999", "1161"] {
            #expect(ResponseCode(rawValue: code).classification == .pending)
        }
    }

    @Test func successDeclinesAndUnknownCodesAreClassified() {
        #expect(ResponseCode.success.classification == .success)
        #expect(ResponseCode.success.isSuccess)
        for code in ["2004", "2005", "2006", "2007", "1142", "1144", "1147", "1296", "1297", "1272"] {
            #expect(ResponseCode(rawValue: code).classification == .failed)
        }
        #expect(ResponseCode("1102").classification == .unknown)
        #expect(ResponseCode("9999").classification == .unknown)
        #expect(!ResponseCode("9999").isKnown)
        #expect(ResponseCode("9999").englishMessage.contains("9999"))
        #expect(ResponseCode("9999").japaneseMessage.contains("9999"))
    }

    @Test(arguments: ["1100", "1103", "1104", "1108"])
    func requestProblemsMeanNothingWasProcessedOnEveryEndpoint(_ code: String) {
        let code = ResponseCode(rawValue: code)
        for endpoint in [ResponseCode.Endpoint.payment, .close, .refund] {
            #expect(code.classification(on: endpoint) == .rejected, "\(code) on \(endpoint)")
        }
    }

    /// The specification's table: 1143 "The order does not exist", the refund was not passed; on
    /// a payment and in a query row it is "not paid yet".
    @Test func codeOneOneFourThreeMeansPendingOnPaymentsAndNothingDoneOnRefundsAndCloses() {
        let code = ResponseCode.notPaidYet
        #expect(code.classification(on: .payment) == .pending)
        #expect(code.classification(on: .queryRow) == .pending)
        #expect(code.classification(on: .refund) == .failed)
        #expect(code.classification(on: .close) == .failed)
        #expect(code.englishMessage(on: .refund).contains("does not exist"))
        #expect(code.japaneseMessage(on: .refund) != code.japaneseMessage(on: .payment))
    }

    @Test func aCloseAnsweredOneTwoNineSevenIsUnsupportedAndRefundsMayBeTriedLater() {
        #expect(ResponseCode.tryOtherMethod.classification(on: .close) == .unsupported)
        #expect(ResponseCode.tryOtherMethod.classification(on: .payment) == .failed)
        #expect(ResponseCode("1265").classification(on: .refund) == .retryLater)
        #expect(ResponseCode("1269").classification(on: .refund) == .retryLater)
        #expect(ResponseCode("1155").classification(on: .refund) == .failed)
        #expect(ResponseCode("1125").classification(on: .refund) == .failed)
        #expect(ResponseCode("1102").classification(on: .refund) == .unknown)
        #expect(ResponseCode("1142").classification(on: .close) == .success)
        #expect(ResponseCode("1145").classification(on: .refund) == .pending)
    }

    @Test func aCodeNobodyDocumentedIsNeverAFailureOnItsOwnWord() {
        let code = ResponseCode("9999")
        #expect(code.classification(on: .payment) == .unknown)
        #expect(code.classification(on: .close) == .unknown)
        #expect(code.classification(on: .refund) == .unknown)
        #expect(code.classification(on: .queryRow) == .pending)
    }
}
