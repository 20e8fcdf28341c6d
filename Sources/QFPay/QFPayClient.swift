import LatencyTrace
import Logging

/// The QFPay open API client: payment, query, refund, close and the reconciliation download.
///
/// Every call validates its request before sending (an invalid request is `.notSent` with an error
/// naming the field), waits for the shared `RequestBudget`, signs, sends, retries HTTP 429 with
/// capped exponential backoff (the same request, so the same `out_trade_no`), verifies the answer's
/// `X-QF-SIGN` on the raw body bytes, and only then parses it. Results say whether the gateway
/// answered, whether the outcome is unknown, or whether nothing was sent.
public final class QFPayClient: Sendable {
    /// The merchant account and transport settings.
    public let configuration: QFPayConfiguration
    /// The rate budget this client draws from; share one per merchant across clients and lanes.
    public let budget: RequestBudget
    /// The executor of the event loop the client's exchanges run on: a task that prefers it
    /// calls the client without hopping between Swift's pool and the loop.
    public let taskExecutor: EventLoopTaskExecutor
    private let transport: HTTPTransport
    private let logger: Logger
    private let observer: (@Sendable (GatewayExchange) -> Void)?

    /// A client for `configuration`, drawing from `budget` (a new one by default).
    /// - Parameter observer: told how each payment, query, refund and close ended (metrics, the
    ///   status page); called on the requesting task, so it must not block.
    public init(
        configuration: QFPayConfiguration,
        budget: RequestBudget = RequestBudget(),
        logger: Logger = Logger(label: "qfpay", factory: { _ in SwiftLogNoOpLogHandler() }),
        observer: (@Sendable (GatewayExchange) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.budget = budget
        self.transport = HTTPTransport(
            connectTimeout: configuration.connectTimeout, requestTimeout: configuration.requestTimeout)
        self.taskExecutor = EventLoopTaskExecutor()
        self.logger = logger
        self.observer = observer
    }

    /// Endpoint paths.
    public enum Path {
        public static let payment = "/trade/v1/payment"
        public static let query = "/trade/v1/query"
        public static let refund = "/trade/v1/refund"
        public static let tradeBill = "/download/v1/trade_bill"
    }

    /// `POST /trade/v1/payment`: a barcode or dynamic-QR payment.
    public func pay(_ request: PaymentRequest) async -> GatewayResult<PaymentResponse> {
        let parameters: [String: String]
        do { parameters = try request.parameters(for: configuration) } catch { return .notSent(error) }
        return await call(Path.payment, parameters, priority: .payment, summary: request.description)
    }

    /// `POST /trade/v1/query`. Status polls use `.poll`; recovery may ask for `.followUp`.
    public func query(_ request: QueryRequest, priority: RequestBudget.Priority = .poll) async -> GatewayResult<
        QueryResponse
    > {
        let parameters: [String: String]
        do { parameters = try request.parameters(for: configuration) } catch { return .notSent(error) }
        return await call(Path.query, parameters, priority: priority, summary: "query")
    }

    /// Every record a query matches, page after page (`pageSize` rows a page, 100 by default)
    /// until a page comes back short, as QFPay gives no total count. At most `maxPages` pages;
    /// the first result that is not an answer, or an answer whose `respcd` is not 0000, ends it.
    public func queryAllPages(
        _ request: QueryRequest, priority: RequestBudget.Priority = .followUp, maxPages: Int = 100
    ) async -> GatewayResult<[TransactionRecord]> {
        var request = request
        let pageSize = request.pageSize ?? 100
        request.pageSize = pageSize
        var records: [TransactionRecord] = []
        for page in (request.page ?? 1)..<((request.page ?? 1) + max(1, maxPages)) {
            request.page = page
            switch await query(request, priority: priority) {
            case .answered(let response):
                guard response.respcd.isSuccess else {
                    return .notSent(
                        QFPayError(
                            .invalidField,
                            "the query of page \(page) was refused: \(response.respcd) \(response.resperr)",
                            field: "respcd"))
                }
                records += response.records
                if response.records.count < pageSize { return .answered(records) }
            case .outcomeUnknown(let unknown): return .outcomeUnknown(unknown)
            case .notSent(let error): return .notSent(error)
            }
        }
        return .answered(records)
    }

    /// `POST /trade/v1/refund`.
    public func refund(_ request: RefundRequest) async -> GatewayResult<RefundResponse> {
        let parameters: [String: String]
        do { parameters = try request.parameters(for: configuration) } catch { return .notSent(error) }
        return await call(
            Path.refund, parameters, priority: .followUp,
            summary: "refund \(request.outTradeNo) of \(request.originalSyssn)")
    }

    /// Cancels an order at the endpoint configured for `payType` (`/trade/v1/close` by default).
    public func close(_ request: CloseRequest, payType: PayType?) async -> GatewayResult<CloseResponse> {
        let parameters: [String: String]
        do { parameters = try request.parameters(for: configuration) } catch { return .notSent(error) }
        return await call(
            configuration.cancelPath(for: payType), parameters, priority: .followUp,
            summary: "close \(request.outTradeNo ?? request.syssn ?? "")")
    }

    /// `/download/v1/trade_bill` for `date` (`YYYY-MM-DD`): the zip of that day's transactions, or
    /// QFPay's JSON error. A zip may come unsigned (`signatureVerified` false); a JSON answer
    /// without a valid signature is an unknown outcome like any other.
    public func tradeBill(date: String) async -> GatewayResult<TradeBill> {
        do { try FieldValidation.tradeDate(date) } catch { return .notSent(error) }
        var parameters = ["trade_date": date]
        if let merchantID = configuration.merchantID, !merchantID.isEmpty { parameters["mchid"] = merchantID }
        let outcome = await exchange(
            Path.tradeBill, parameters, method: configuration.tradeBillMethod, priority: .followUp)
        let answer: HTTPAnswer
        switch outcome {
        case .success(let value): answer = value
        case .failure(.notSent(let error)): return .notSent(error)
        case .failure(.unknown(let unknown)): return .outcomeUnknown(unknown)
        }
        let isZip = answer.body.starts(with: [0x50, 0x4B, 0x03, 0x04])
        if isZip, answer.status == 200, answer.headers["x-qf-sign"] == nil {
            do { return .answered(try TradeBill(body: answer.body, signatureVerified: false)) } catch {
                return .outcomeUnknown(UnknownOutcome(.unparsableBody, error.message, body: answer.body))
            }
        }
        if let rejection = Self.unsignedRejection(answer, path: Path.tradeBill) { return .notSent(rejection) }
        if let unknown = verify(answer, path: Path.tradeBill) { return .outcomeUnknown(unknown) }
        do { return .answered(try TradeBill(body: answer.body, signatureVerified: true)) } catch {
            return .outcomeUnknown(
                UnknownOutcome(.unparsableBody, error.message, httpStatus: answer.status, body: answer.body))
        }
    }

    /// The request `pay` would send, for inspection and dry runs.
    public func signedRequest(for request: PaymentRequest) throws(QFPayError) -> SignedRequest {
        try SignedRequest(
            path: Path.payment, parameters: request.parameters(for: configuration), configuration: configuration)
    }

    // MARK: - Exchange

    private func call<R: GatewayResponse>(
        _ path: String, _ parameters: [String: String], priority: RequestBudget.Priority, summary: String
    ) async -> GatewayResult<R> {
        guard let observer else {
            return await exchangeAndParse(path, parameters, priority: priority, summary: summary)
        }
        let started = ContinuousClock.now
        let result: GatewayResult<R> = await exchangeAndParse(path, parameters, priority: priority, summary: summary)
        observer(GatewayExchange.of(result, path: path, duration: started.duration(to: .now)))
        return result
    }

    private func exchangeAndParse<R: GatewayResponse>(
        _ path: String, _ parameters: [String: String], priority: RequestBudget.Priority, summary: String
    ) async -> GatewayResult<R> {
        let outcome = await exchange(path, parameters, method: "POST", priority: priority)
        let answer: HTTPAnswer
        switch outcome {
        case .success(let value): answer = value
        case .failure(.notSent(let error)):
            logger.info(
                "QFPay request not sent",
                metadata: ["qfpay.path": "\(path)", "qfpay.request": "\(summary)", "error": "\(error)"])
            return .notSent(error)
        case .failure(.unknown(let unknown)):
            logger.warning(
                "QFPay outcome unknown",
                metadata: ["qfpay.path": "\(path)", "qfpay.request": "\(summary)", "qfpay.reason": "\(unknown)"])
            return .outcomeUnknown(unknown)
        }
        if let rejection = Self.unsignedRejection(answer, path: path) {
            logger.notice(
                "QFPay refused the request before processing it",
                metadata: [
                    "qfpay.path": "\(path)", "qfpay.request": "\(summary)",
                    "qfpay.respcd": "\(rejection.respcd?.rawValue ?? "-")",
                ])
            return .notSent(rejection)
        }
        if let unknown = verify(answer, path: path) {
            logger.warning(
                "QFPay answer not trusted",
                metadata: ["qfpay.path": "\(path)", "qfpay.request": "\(summary)", "qfpay.reason": "\(unknown)"])
            return .outcomeUnknown(unknown)
        }
        do {
            let response = try R(body: answer.body)
            logger.info(
                "QFPay answered",
                metadata: [
                    "qfpay.path": "\(path)", "qfpay.request": "\(summary)", "qfpay.respcd": "\(response.respcd)",
                ])
            return .answered(response)
        } catch {
            return .outcomeUnknown(
                UnknownOutcome(.unparsableBody, error.message, httpStatus: answer.status, body: answer.body))
        }
    }

    /// An unsigned answer whose `respcd` says the request was refused before anything was processed
    /// (1100 maintenance, 1103 format, 1104 parameter, 1108 signature): QFPay's front end answers
    /// these without `X-QF-SIGN`. Only those codes are taken from an unsigned body, and only to
    /// conclude that nothing happened; any other unsigned answer stays an unknown outcome.
    static func unsignedRejection(_ answer: HTTPAnswer, path: String) -> QFPayError? {
        guard answer.status < 500, answer.status != 429, answer.headers["x-qf-sign"]?.isEmpty ?? true,
            let json = JSONBody(bytes: answer.body), let code = json.string("respcd"),
            ResponseCode.requestProblems.contains(code)
        else { return nil }
        let respcd = ResponseCode(rawValue: code)
        let detail = [json.string("resperr"), json.string("respmsg")].compactMap { $0 }.filter { !$0.isEmpty }
        return QFPayError(
            .requestRejected,
            "\(path) refused with \(code) (\(respcd.englishMessage))"
                + (detail.isEmpty ? "" : ": " + detail.joined(separator: "; ")),
            respcd: respcd)
    }

    /// Why `answer` cannot be trusted, or nil when it is a signed, verified answer.
    private func verify(_ answer: HTTPAnswer, path: String) -> UnknownOutcome? {
        if answer.status >= 500 {
            return UnknownOutcome(
                .serverError, "the gateway failed on \(path)", httpStatus: answer.status, body: answer.body)
        }
        guard let signature = answer.headers["x-qf-sign"], !signature.isEmpty else {
            if answer.status != 200 {
                return UnknownOutcome(
                    .unexpectedStatus, "unsigned HTTP \(answer.status) answer on \(path)", httpStatus: answer.status,
                    body: answer.body)
            }
            return UnknownOutcome(
                .missingSignature, "the answer on \(path) has no X-QF-SIGN", httpStatus: answer.status,
                body: answer.body)
        }
        let algorithm: DigestAlgorithm = signature.utf8.count == 64 ? .sha256 : .md5
        guard
            Signer(key: configuration.key.value, algorithm: algorithm).verifies(body: answer.body, signature: signature)
        else {
            return UnknownOutcome(
                .invalidSignature, "the answer's X-QF-SIGN on \(path) does not match its body",
                httpStatus: answer.status, body: answer.body)
        }
        return nil
    }

    /// Sends the request, waiting for the budget before each attempt and retrying HTTP 429.
    private func exchange(
        _ path: String, _ parameters: [String: String], method: String, priority: RequestBudget.Priority
    ) async -> Result<HTTPAnswer, HTTPTransport.Failure> {
        let request: SignedRequest
        do {
            request = try SignedRequest(
                method: method, path: path, parameters: parameters, configuration: configuration)
        } catch {
            return .failure(.notSent(error))
        }
        let policy = configuration.retryPolicy
        for attempt in 1...policy.maxAttempts {
            do { try await budget.acquire(priority) } catch {
                return .failure(.notSent(QFPayError(.cancelled, "cancelled while waiting for the rate budget")))
            }
            if Task.isCancelled {
                return .failure(.notSent(QFPayError(.cancelled, "cancelled before sending \(path)")))
            }
            LatencyTrace.mark(.requestSigned, parameters["out_trade_no"] ?? path)
            let result = await transport.send(request)
            guard case .success(let answer) = result, answer.status == 429 else { return result }
            guard attempt < policy.maxAttempts else { break }
            let retryAfter = answer.headers["retry-after"].flatMap { Int($0.trimmingWhitespace()) }.map {
                Duration.seconds($0)
            }
            let backoff = policy.backoff(beforeRetry: attempt, retryAfter: retryAfter)
            logger.notice(
                "QFPay rate limited, retrying",
                metadata: ["qfpay.path": "\(path)", "qfpay.attempt": "\(attempt)", "qfpay.backoff": "\(backoff)"])
            do { try await Task.sleep(for: backoff) } catch {
                return .failure(.notSent(QFPayError(.cancelled, "cancelled while backing off from HTTP 429")))
            }
        }
        return .failure(
            .notSent(
                QFPayError(
                    .rateLimited,
                    "the gateway answered HTTP 429 (too many requests) \(policy.maxAttempts) times on \(path)")))
    }
}
