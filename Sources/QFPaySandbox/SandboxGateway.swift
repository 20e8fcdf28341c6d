import Foundation
import Logging
import QFPay

/// An HTTP request as the gateway sees it.
struct GatewayRequest: Sendable {
    var method: String
    var path: String
    var query: String
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

/// An HTTP answer: status, content type and body; `respcd` is recorded in the ledger.
struct GatewayResponse: Sendable {
    var status: Int
    var contentType: String
    var body: [UInt8]
    var respcd: String?
    var extraHeaders: [(String, String)] = []
    /// Whether the answer carries `X-QF-SIGN`: every answer of the gateway does, except the
    /// request errors a front end answers under the strict rules.
    var signed = true

    static func json(_ value: PythonJSON, status: Int = 200) -> GatewayResponse {
        GatewayResponse(
            status: status,
            contentType: "application/json; charset=UTF-8",
            body: Array(value.serialized().utf8),
            respcd: value["respcd"].flatMap { if case .string(let code) = $0 { code } else { nil } }
        )
    }
}

/// A request refused with a QFPay code.
struct GatewayRejection: Error {
    var respcd: String
    var message: String
}

/// Something that happened to an order that merchants are notified of.
enum LedgerEvent: Sendable {
    case paid(SandboxOrder)
    case refunded(SandboxOrder, SandboxRefund)
    case closed(SandboxOrder)
}

/// The gateway's logic: authentication, validation, the endpoints and the ledger rules. No I/O:
/// `SandboxServer` carries its answers over HTTP and `Notifier` sends its events.
final class SandboxGateway: Sendable {
    let configuration: SandboxConfiguration
    let ledger: SandboxLedger
    let clock: SandboxClock
    let time: GatewayTime
    let logger: Logger
    private let events: @Sendable ([LedgerEvent]) -> Void
    private let responseSigner: Signer

    /// Codes that mean the request itself was wrong (maintenance, format, parameter, signature):
    /// nothing was processed, and under the strict rules they come unsigned, from the front end.
    static let requestErrorCodes: Set<String> = ["1100", "1103", "1104", "1108"]

    /// The API paths (faults apply to these).
    static let apiPaths: Set<String> = [
        "/trade/v1/payment", "/trade/v1/query", "/trade/v1/refund", "/trade/v1/close", "/trade/v1/reversal",
        "/download/v1/trade_bill",
    ]

    init(
        configuration: SandboxConfiguration,
        ledger: SandboxLedger,
        clock: SandboxClock,
        logger: Logger,
        events: @escaping @Sendable ([LedgerEvent]) -> Void
    ) {
        self.configuration = configuration
        self.ledger = ledger
        self.clock = clock
        self.time = GatewayTime(timeZone: configuration.timeZone)
        self.logger = logger
        self.events = events
        self.responseSigner = Signer(key: configuration.key, algorithm: .md5)
    }

    /// `X-QF-SIGN` of a response body: MD5(body + key), upper-case.
    func signature(of body: [UInt8]) -> String { responseSigner.bodySignature(body) }

    /// Answers one request, recording it (with `fault`) in the ledger.
    func handle(_ request: GatewayRequest, fault: SandboxFault? = nil) -> GatewayResponse {
        let now = clock.now()
        var parameters: [String: String] = [:]
        var pending: [LedgerEvent] = []
        let unsignedErrors = configuration.rules.unsignedRequestErrors && !request.path.hasPrefix("/sandbox/")
        let response: GatewayResponse = ledger.state.withLock { state in
            pending += settleDueEvents(&state, now: now)
            var response: GatewayResponse
            do {
                if var missing = Self.missingRoute(request) {
                    missing.signed = !unsignedErrors
                    return missing
                }
                parameters = try self.parameters(of: request)
                response = try route(request, parameters, &state, now: now, events: &pending)
            } catch let rejection as GatewayRejection {
                response = .json(Self.errorBody(rejection))
                response.signed = !(unsignedErrors && Self.requestErrorCodes.contains(rejection.respcd))
            } catch {
                response = .json(Self.errorBody(GatewayRejection(respcd: "1104", message: "\(error)")))
                response.signed = !unsignedErrors
            }
            state.requests.append(
                SandboxRequestRecord(
                    path: request.path, parameters: parameters, respcd: response.respcd, fault: fault, time: now))
            return response
        }
        if !pending.isEmpty { events(pending) }
        logger.debug(
            "answered",
            metadata: ["http.path": "\(request.path)", "qfpay.respcd": "\(response.respcd ?? "-")"])
        return response
    }

    /// Runs what is due by sandbox time: delayed QR payments and QR expiry.
    func runDueEvents() {
        let now = clock.now()
        let due = ledger.state.withLock { settleDueEvents(&$0, now: now) }
        if !due.isEmpty { events(due) }
    }

    /// Records that a request was answered by a fault without reaching the gateway's logic.
    func recordUnprocessed(_ request: GatewayRequest, fault: SandboxFault) {
        let parameters =
            (try? FormBody.parse(request.method == "GET" ? Array(request.query.utf8) : request.body)) ?? [:]
        let now = clock.now()
        ledger.state.withLock {
            $0.requests.append(
                SandboxRequestRecord(path: request.path, parameters: parameters, respcd: nil, fault: fault, time: now))
        }
    }

    // MARK: - Authentication

    /// The request's parameters, once its app code and signature check out.
    private func parameters(of request: GatewayRequest) throws -> [String: String] {
        let raw = request.method == "GET" ? Array(request.query.utf8) : request.body
        let parameters: [String: String]
        do {
            parameters = try FormBody.parse(raw)
        } catch {
            throw GatewayRejection(respcd: "1103", message: "the form body holds \(error.reason)")
        }
        if request.path.hasPrefix("/sandbox/") { return parameters }
        guard let appCode = request.header("X-QF-APPCODE") else {
            throw GatewayRejection(respcd: "1108", message: "X-QF-APPCODE is missing")
        }
        guard appCode == configuration.appCode else {
            throw GatewayRejection(respcd: "1108", message: "unknown app code")
        }
        let algorithm: DigestAlgorithm
        switch request.header("X-QF-SIGNTYPE")?.uppercased() {
        case nil, "MD5": algorithm = .md5
        case "SHA256": algorithm = .sha256
        case let other?: throw GatewayRejection(respcd: "1108", message: "unknown X-QF-SIGNTYPE \(other)")
        }
        guard let signature = request.header("X-QF-SIGN") else {
            throw GatewayRejection(respcd: "1108", message: "X-QF-SIGN is missing")
        }
        guard verifies(parameters, signature: signature, algorithm: algorithm) else {
            throw GatewayRejection(respcd: "1108", message: "X-QF-SIGN does not match the parameters")
        }
        if let empty = parameters.first(where: { $0.value.isEmpty })?.key {
            throw GatewayRejection(respcd: "1104", message: "\(empty) is empty: leave unset parameters out")
        }
        return parameters
    }

    /// Whether `signature` signs `parameters`. Empty values are normally left out of the signature;
    /// a client that sent and signed one anyway gets past this check and is refused with 1104 instead.
    private func verifies(_ parameters: [String: String], signature: String, algorithm: DigestAlgorithm) -> Bool {
        if Signer(key: configuration.key, algorithm: algorithm).verifies(parameters: parameters, signature: signature) {
            return true
        }
        guard parameters.values.contains("") else { return false }
        let canonical = parameters.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            .map { "\($0.key)=\($0.value)" }.joined(separator: "&")
        let expected = Array(algorithm.hexDigest(Array((canonical + configuration.key).utf8)).utf8)
        let given = Array(signature.uppercased().utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    // MARK: - Routing

    private func route(
        _ request: GatewayRequest,
        _ parameters: [String: String],
        _ state: inout LedgerState,
        now: Date,
        events: inout [LedgerEvent]
    ) throws -> GatewayResponse {
        let fields = RequestFields(parameters, time: time, configuration: configuration)
        switch (request.method, request.path) {
        case ("POST", "/trade/v1/payment"): return .json(try payment(fields, &state, now: now, events: &events))
        case ("POST", "/trade/v1/query"): return .json(try query(fields, &state, now: now, events: &events))
        case ("POST", "/trade/v1/refund"): return .json(try refund(fields, &state, now: now, events: &events))
        case ("POST", "/trade/v1/close"), ("POST", "/trade/v1/reversal"):
            return .json(try close(fields, endpoint: request.path, &state, now: now, events: &events))
        case ("GET", "/download/v1/trade_bill"), ("POST", "/download/v1/trade_bill"):
            return try tradeBill(fields, state, now: now)
        case ("POST", "/sandbox/v1/qr/pay"): return .json(try payQR(fields, &state, now: now, events: &events))
        case ("GET", "/sandbox/v1/ledger"): return .json(ledgerJSON(state))
        default:
            return Self.missingRoute(request)
                ?? .json(Self.errorBody(GatewayRejection(respcd: "1104", message: "no route")))
        }
    }

    /// The routes: method and path.
    static let routes: Set<String> = [
        "POST /trade/v1/payment", "POST /trade/v1/query", "POST /trade/v1/refund", "POST /trade/v1/close",
        "POST /trade/v1/reversal", "GET /download/v1/trade_bill", "POST /download/v1/trade_bill",
        "POST /sandbox/v1/qr/pay", "GET /sandbox/v1/ledger",
    ]

    /// A 404 or 405 answer when no route takes the request.
    static func missingRoute(_ request: GatewayRequest) -> GatewayResponse? {
        if routes.contains("\(request.method) \(request.path)") { return nil }
        let known = routes.contains { $0.hasSuffix(" " + request.path) }
        return .json(
            .object([
                ("respcd", .string("1104")), ("resperr", .string(GatewayMessages.resperr("1104"))),
                ("respmsg", .string(known ? "method \(request.method) not allowed" : "no such endpoint")),
            ]),
            status: known ? 405 : 404)
    }

    static func errorBody(_ rejection: GatewayRejection) -> PythonJSON {
        .object([
            ("resperr", .string(GatewayMessages.resperr(rejection.respcd))),
            ("respcd", .string(rejection.respcd)),
            ("respmsg", .string(rejection.message)),
        ])
    }
}
