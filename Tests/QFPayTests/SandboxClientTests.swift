import Foundation
import QFPay
import QFPaySandbox
import TestSupport
import Testing

/// The response of an answered call; anything else fails the test with what came instead.
func answered<R>(_ result: GatewayResult<R>, sourceLocation: SourceLocation = #_sourceLocation) throws -> R {
    guard case .answered(let response) = result else {
        Issue.record("expected an answer, got \(result)", sourceLocation: sourceLocation)
        throw EventuallyTimeout()
    }
    return response
}

/// Every endpoint of the client against the project's sandbox over real HTTP on 127.0.0.1.
@Suite struct SandboxClientTests {
    static func client(
        _ sandbox: SandboxServer, signType: DigestAlgorithm = .md5, requestTimeout: Duration = .seconds(30),
        budget: RequestBudget = RequestBudget()
    ) -> QFPayClient {
        var configuration = QFPayConfiguration(
            environment: .custom(sandbox.baseURL), appCode: SandboxTestCredentials.appCode,
            key: Secret(SandboxTestCredentials.key), merchantID: SandboxTestCredentials.mchid, signType: signType)
        configuration.retryPolicy = RetryPolicy(initialBackoff: .milliseconds(5), maxBackoff: .milliseconds(50))
        configuration.requestTimeout = requestTimeout
        return QFPayClient(configuration: configuration, budget: budget)
    }

    static func barcode(_ scenario: SandboxScenario, amount: Int = 1200, wallet: Wallet = .wechat) -> PaymentRequest {
        .barcode(
            outTradeNo: uniqueOutTradeNo("P"), amount: amount,
            authCode: AuthCode(scenario.authCode(wallet: wallet, serial: Int.random(in: 0..<99_999_999))))
    }

    @Test func aBarcodePaymentIsPaidWithTheWalletDetectedAndAJapaneseGoodsName() async throws {
        try await withSandbox { sandbox in
            for signType in DigestAlgorithm.allCases {
                for wallet in Wallet.allCases {
                    var request = Self.barcode(.success, wallet: wallet)
                    request.goodsName = "缶 珈琲 tea"
                    request.udid = "till+1=2%&3"
                    let response = try answered(await Self.client(sandbox, signType: signType).pay(request))
                    #expect(response.respcd == .success)
                    #expect(response.payType == wallet.barcodePayType)
                    #expect(response.amount == 1200)
                    #expect(response.outTradeNo == request.outTradeNo)
                    let syssn = try #require(response.syssn)
                    let order = try #require(sandbox.ledger.order(syssn: syssn))
                    #expect(order.state == .paid)
                    #expect(order.goodsName == "缶 珈琲 tea")
                }
            }
        }
    }

    @Test func aPendingPaymentIsSettledByQuerying() async throws {
        try await withSandbox { sandbox in
            let client = Self.client(sandbox)
            let request = Self.barcode(.pendingThenPaid(queries: 2))
            let payment = try answered(await client.pay(request))
            #expect(payment.respcd.classification == .pending)
            var states: [ResponseCode] = []
            for _ in 0..<3 {
                let answer = try answered(await client.query(.order(request.outTradeNo)))
                #expect(answer.respcd == .success)
                let row = try #require(answer.payment(outTradeNo: request.outTradeNo))
                states.append(row.respcd)
            }
            #expect(states.map(\.classification) == [.pending, .pending, .success])
            let syssn = try #require(payment.syssn)
            let paid = try answered(await client.query(.transaction(syssn: syssn)))
            #expect(paid.records.first?.paydtm != nil)
            #expect(paid.records.first?.cancel == TransactionRecord.CancelState.none)
        }
    }

    @Test(arguments: SandboxDecline.allCases)
    func aDeclinedPaymentIsAnAnswerThatFailed(_ decline: SandboxDecline) async throws {
        try await withSandbox { sandbox in
            let response = try answered(await Self.client(sandbox).pay(Self.barcode(.declined(decline))))
            #expect(response.respcd.rawValue == decline.rawValue)
            #expect(response.respcd.classification == .failed)
            #expect(response.respcd.isKnown)
        }
    }

    @Test func aDynamicQRPaymentReturnsTheCodeAndIsPaidWhenTheCustomerScans() async throws {
        try await withSandbox { sandbox in
            let client = Self.client(sandbox)
            for wallet in Wallet.allCases {
                let request = PaymentRequest.dynamicQR(
                    outTradeNo: uniqueOutTradeNo("Q"), amount: 880, wallet: wallet, goodsName: "抹茶ラテ", noCredit: true,
                    expiresInMinutes: 10)
                let created = try answered(await client.pay(request))
                #expect(created.respcd.classification != .failed)
                #expect(created.qrcode?.isEmpty == false)
                #expect(created.payType == wallet.qrPayType)
                let before = try answered(await client.query(.order(request.outTradeNo)))
                #expect(before.payment(outTradeNo: request.outTradeNo)?.classification == .pending)
                try sandbox.payQRCode(outTradeNo: request.outTradeNo)
                let after = try answered(await client.query(.order(request.outTradeNo)))
                #expect(after.payment(outTradeNo: request.outTradeNo)?.respcd == .success)
            }
        }
    }

    @Test func refundsArePartialAndRepeatedUpToThePaidAmount() async throws {
        try await withSandbox { sandbox in
            let client = Self.client(sandbox)
            let payment = try answered(await client.pay(Self.barcode(.success, amount: 1000)))
            let syssn = try #require(payment.syssn)
            let numbers = OrderNumberGenerator()
            let first = try answered(
                await client.refund(
                    RefundRequest(outTradeNo: numbers.refundNumber(), originalSyssn: syssn, amount: 300)))
            #expect(first.respcd == .success)
            #expect(first.origSyssn == syssn)
            #expect(first.amount == 300)
            #expect(first.syssn != nil && first.syssn != syssn)
            let second = try answered(
                await client.refund(
                    RefundRequest(outTradeNo: numbers.refundNumber(), originalSyssn: syssn, amount: 700)))
            #expect(second.respcd == .success)
            let third = try answered(
                await client.refund(RefundRequest(outTradeNo: numbers.refundNumber(), originalSyssn: syssn, amount: 1)))
            #expect(third.respcd.classification == .failed)
            #expect(sandbox.ledger.order(syssn: syssn)?.chargedAmount == 0)
            let rows = try answered(await client.query(.transaction(syssn: syssn))).records
            #expect(rows.contains { $0.orderType == .payment })
        }
    }

    @Test func closeClosesAnUnpaidOrderAndReportsWhenCancellingIsUnsupported() async throws {
        try await withSandbox { sandbox in
            let client = Self.client(sandbox)
            let pending = Self.barcode(.pendingForever)
            _ = try answered(await client.pay(pending))
            let closed = try answered(
                await client.close(
                    CloseRequest(outTradeNo: pending.outTradeNo, amount: pending.amount), payType: pending.payType
                ))
            #expect(closed.isCancelled)
            #expect(sandbox.ledger.order(outTradeNo: pending.outTradeNo)?.state == .closed)

            let paid = Self.barcode(.cancelUnsupported)
            let payment = try answered(await client.pay(paid))
            let refused = try answered(
                await client.close(CloseRequest(syssn: payment.syssn, amount: paid.amount), payType: paid.payType))
            #expect(refused.respcd == .tryOtherMethod)
            #expect(refused.isCancelUnsupported)

            let quiet = Self.barcode(.cancelWithoutSyssn)
            _ = try answered(await client.pay(quiet))
            let noSyssn = try answered(
                await client.close(CloseRequest(outTradeNo: quiet.outTradeNo, amount: quiet.amount), payType: nil))
            #expect(noSyssn.isCancelUnsupported)
            #expect(sandbox.ledger.order(outTradeNo: quiet.outTradeNo)?.state == .paid)
        }
    }

    @Test func theReversalEndpointCanBeConfiguredPerPayType() async throws {
        try await withSandbox { sandbox in
            var configuration = Self.client(sandbox).configuration
            configuration.cancelPaths[.alipayBarcode] = QFPayConfiguration.reversalPath
            let client = QFPayClient(configuration: configuration)
            let request = Self.barcode(.pendingForever, wallet: .alipay)
            _ = try answered(await client.pay(request))
            let closed = try answered(
                await client.close(
                    CloseRequest(outTradeNo: request.outTradeNo, amount: request.amount), payType: .alipayBarcode
                ))
            #expect(closed.isCancelled)
            #expect(sandbox.ledger.requests(path: QFPayConfiguration.reversalPath).count == 1)
        }
    }

    @Test func theTradeBillOfADayIsAZipHoldingItsPayments() async throws {
        try await withSandbox { sandbox in
            let client = Self.client(sandbox)
            let payment = try answered(await client.pay(Self.barcode(.success)))
            let syssn = try #require(payment.syssn)
            let today = String(TransactionTime.format(Date(), in: client.configuration.timeZone).prefix(10))
            for method in ["POST", "GET"] {
                var configuration = client.configuration
                configuration.tradeBillMethod = method
                let bill = try answered(await QFPayClient(configuration: configuration).tradeBill(date: today))
                #expect(bill.isZip)
                #expect(try await zipText(bill.body).contains(syssn))
            }
            // A day with no bill yet is a parameter error, which QFPay's front end answers unsigned.
            guard case .notSent(let refused) = await client.tradeBill(date: "2099-01-01") else {
                Issue.record("a future day's bill was not refused")
                return
            }
            #expect(refused.code == .requestRejected)
            #expect(refused.respcd == "1104")
        }
    }

    @Test func queriesPageThroughTransactions() async throws {
        try await withSandbox { sandbox in
            let client = Self.client(sandbox)
            var numbers: Set<String> = []
            for _ in 0..<5 {
                let request = Self.barcode(.success, amount: 100)
                numbers.insert(request.outTradeNo)
                #expect(try answered(await client.pay(request)).respcd == .success)
            }
            var seen: Set<String> = []
            var page = 1
            while true {
                let answer = try answered(
                    await client.query(QueryRequest(payType: .wechatBarcode, page: page, pageSize: 2)))
                #expect(answer.records.count <= 2)
                seen.formUnion(answer.records.compactMap(\.outTradeNo))
                if answer.records.count < 2 { break }
                page += 1
                try #require(page < 10)
            }
            #expect(numbers.isSubset(of: seen))
            let all = try answered(await client.queryAllPages(QueryRequest(payType: .wechatBarcode, pageSize: 2)))
            #expect(Set(all.compactMap(\.outTradeNo)) == seen)
            #expect(sandbox.ledger.requests(path: QFPayClient.Path.query).count == 2 * (page))
        }
    }

    @Test func aPaymentWhoseAnswerIsLostIsUnknownAndFoundByQuery() async throws {
        try await withSandbox { sandbox in
            let client = Self.client(sandbox)
            let faults: [(SandboxFault, UnknownOutcome.Reason)] = [
                (.serverErrorAfterProcessing(status: 502), .serverError),
                (.dropAfterProcessing, .connectionLost),
                (.wrongSignature, .invalidSignature),
                (.missingSignature, .missingSignature),
            ]
            for (fault, reason) in faults {
                let request = Self.barcode(.success)
                sandbox.injectFault(fault, path: QFPayClient.Path.payment)
                guard case .outcomeUnknown(let unknown) = await client.pay(request) else {
                    Issue.record("\(fault) was not an unknown outcome")
                    continue
                }
                #expect(unknown.reason == reason)
                // Sent exactly once: the transport never re-sends on its own.
                let sent = sandbox.ledger.requests(path: QFPayClient.Path.payment)
                #expect(sent.filter { $0.parameters["out_trade_no"] == request.outTradeNo }.count == 1)
                let found = try answered(await client.query(.order(request.outTradeNo), priority: .followUp))
                #expect(found.payment(outTradeNo: request.outTradeNo)?.respcd == .success)
            }
        }
    }

    @Test func aServerErrorBeforeProcessingIsUnknownToTheClientButNothingHappened() async throws {
        try await withSandbox { sandbox in
            let request = Self.barcode(.success)
            sandbox.injectFault(.serverErrorBeforeProcessing(status: 503), path: QFPayClient.Path.payment)
            guard case .outcomeUnknown(let unknown) = await Self.client(sandbox).pay(request) else {
                Issue.record("a 503 was trusted")
                return
            }
            #expect(unknown.httpStatus == 503)
            #expect(sandbox.ledger.order(outTradeNo: request.outTradeNo) == nil)
        }
    }

    @Test func rateLimitedPaymentsAreRetriedWithTheSameOrderNumberAndChargedOnce() async throws {
        try await withSandbox { sandbox in
            let request = Self.barcode(.success)
            sandbox.injectFault(.tooManyRequests, path: QFPayClient.Path.payment)
            sandbox.injectFault(.tooManyRequests, path: QFPayClient.Path.payment)
            let response = try answered(await Self.client(sandbox).pay(request))
            #expect(response.respcd == .success)
            let sent = sandbox.ledger.requests(path: QFPayClient.Path.payment)
            #expect(sent.count == 3)
            #expect(Set(sent.map { $0.parameters["out_trade_no"] }) == [request.outTradeNo])
            #expect(sandbox.ledger.chargedAmount(outTradeNo: request.outTradeNo) == request.amount)
        }
    }

    @Test func aSlowAnswerBeyondTheTimeoutIsUnknown() async throws {
        try await withSandbox { sandbox in
            sandbox.injectFault(.latency(.seconds(2)), path: QFPayClient.Path.query)
            let result = await Self.client(sandbox, requestTimeout: .milliseconds(300)).query(.order("P1"))
            guard case .outcomeUnknown(let unknown) = result else {
                Issue.record("expected an unknown outcome, got \(result)")
                return
            }
            #expect(unknown.reason == .timedOut)
        }
    }

    @Test func theSandboxsNotificationsVerifyAndParseAsReceivedOverHTTP() async throws {
        let receiver = try ScriptedHTTPServer(
            replies: [], fallback: .answer(status: 200, headers: [:], body: Array("SUCCESS".utf8)))
        defer { receiver.stop() }
        try await withSandbox(configure: { $0.notifyURL = URL(string: receiver.baseURL + "/notify") }) { sandbox in
            let request = Self.barcode(.success)
            let payment = try answered(await Self.client(sandbox).pay(request))
            try await eventually { !receiver.requests.isEmpty }
            let received = try #require(receiver.requests.first)
            #expect(received.method == "POST")
            let notification = try QFPayNotification.parse(
                body: received.body, signature: received.headers["x-qf-sign"], key: Secret(SandboxTestCredentials.key))
            #expect(notification.kind == .payment)
            #expect(notification.isSuccess)
            #expect(notification.outTradeNo == request.outTradeNo)
            #expect(notification.syssn == payment.syssn)
            #expect(notification.amount == request.amount)
            #expect(throws: QFPayError.self) {
                try QFPayNotification.parse(
                    body: received.body + [0x20], signature: received.headers["x-qf-sign"],
                    key: Secret(SandboxTestCredentials.key))
            }
        }
    }
}
