import QFPay

/// What the sandbox's customer does with a barcode payment, chosen by the auth code.
///
/// A scenario code is a valid-looking payment code whose digits after the wallet prefix are
/// `0000`, then two digits naming the scenario and two digits of parameter (a query count):
/// `13 0000 SS PP nnnnnnnn` for WeChat (18 digits), `28 0000 SS PP nnnnnnnn` for Alipay.
/// Every other code pays at once (`.success`). docs/sandbox.md has the table.
public enum SandboxScenario: Sendable, Hashable {
    /// Paid at once: the payment answers 0000.
    case success
    /// The payment answers 1145 (waiting); the first `queries` queries see the order pending, then paid.
    case pendingThenPaid(queries: Int)
    /// As `pendingThenPaid`, but the payment answers 1143 (the customer is entering the password).
    case enteringPasswordThenPaid(queries: Int)
    /// As `pendingThenPaid`, but the payment answers 1298 (slow network: do not repeat, confirm later).
    case slowNetworkThenPaid(queries: Int)
    /// As `pendingThenPaid`, but the payment answers 1161 (result unknown, must query).
    case resultUnknownThenPaid(queries: Int)
    /// The payment answers 1145 and the order is never paid: only a close ends it.
    case pendingForever
    /// The payment is declined at once with this code.
    case declined(SandboxDecline)
    /// The payment answers 1145; the first `queries` queries see it pending, then it fails with this code.
    case pendingThenDeclined(queries: Int, SandboxDecline)
    /// Paid at once; closing it answers 1297 (cancel unsupported): it must be refunded.
    case cancelUnsupported
    /// Paid at once; closing it answers 0000 without `syssn`: cancel unsupported, nothing reversed.
    case cancelWithoutSyssn
    /// Pending until a close arrives; the customer pays just then, so the close answers 1297 and
    /// the order ends paid.
    case paidOnCloseAttempt
    /// Pending until a close arrives; the close answers 0000 with a `syssn`, yet the customer's
    /// payment went through and the order ends paid (why a reversal must be confirmed by query).
    case closeAnsweredButPaid
    /// The payment answers 1145 and the order stays pending; its pay type cannot be cancelled, so
    /// a close answers 1297 and changes nothing. With `paidAfterQueries` > 0 the customer pays
    /// after that many further queries following the first close; with 0 never: the order closes
    /// itself once the barcode lifetime (`SandboxRules.barcodeLifetime`) is over.
    case pendingCloseUnsupported(paidAfterQueries: Int)
    /// Paid at once; every refund is denied with 1155.
    case refundDenied
    /// Paid at once; only a refund of the full amount is accepted (1270 for partial refunds).
    case noPartialRefund
    /// Paid at once; the first refund answers 1143 ("the refund channel request was not passed,
    /// resulting in no refund", the specification's table) and refunds nothing; later ones go through.
    case refundNotPassedOnce

    /// The scenario number (`SS`) and parameter (`PP`) in the code.
    var digits: (scenario: Int, parameter: Int) {
        switch self {
        case .success: (0, 0)
        case .pendingThenPaid(let queries): (1, queries)
        case .enteringPasswordThenPaid(let queries): (2, queries)
        case .slowNetworkThenPaid(let queries): (3, queries)
        case .resultUnknownThenPaid(let queries): (4, queries)
        case .pendingForever: (5, 0)
        case .declined(let decline): (10 + SandboxDecline.allCases.firstIndex(of: decline)!, 0)
        case .pendingThenDeclined(let queries, let decline):
            (40 + SandboxDecline.allCases.firstIndex(of: decline)!, queries)
        case .cancelUnsupported: (60, 0)
        case .cancelWithoutSyssn: (61, 0)
        case .paidOnCloseAttempt: (62, 0)
        case .closeAnsweredButPaid: (63, 0)
        case .pendingCloseUnsupported(let queries): (64, queries)
        case .refundDenied: (70, 0)
        case .noPartialRefund: (71, 0)
        case .refundNotPassedOnce: (72, 0)
        }
    }

    /// The scenario a code selects: `.success` for any code that is not a scenario code.
    public init(authCode: String) {
        self = Self.parse(authCode) ?? .success
    }

    private static func parse(_ code: String) -> SandboxScenario? {
        let digits = Array(code.utf8)
        guard digits.count >= 10, digits.allSatisfy({ (48...57).contains($0) }),
            digits[2...5].allSatisfy({ $0 == 48 })
        else { return nil }
        let scenario = Int(digits[6] - 48) * 10 + Int(digits[7] - 48)
        let parameter = Int(digits[8] - 48) * 10 + Int(digits[9] - 48)
        let declines = SandboxDecline.allCases
        switch scenario {
        case 0: return .success
        case 1: return .pendingThenPaid(queries: parameter)
        case 2: return .enteringPasswordThenPaid(queries: parameter)
        case 3: return .slowNetworkThenPaid(queries: parameter)
        case 4: return .resultUnknownThenPaid(queries: parameter)
        case 5: return .pendingForever
        case 10..<(10 + declines.count): return .declined(declines[scenario - 10])
        case 40..<(40 + declines.count): return .pendingThenDeclined(queries: parameter, declines[scenario - 40])
        case 60: return .cancelUnsupported
        case 61: return .cancelWithoutSyssn
        case 62: return .paidOnCloseAttempt
        case 63: return .closeAnsweredButPaid
        case 64: return .pendingCloseUnsupported(paidAfterQueries: parameter)
        case 70: return .refundDenied
        case 71: return .noPartialRefund
        case 72: return .refundNotPassedOnce
        default: return nil
        }
    }

    /// A valid-looking payment code that selects this scenario: 18 digits, starting `13` for
    /// WeChat Pay or `28` for Alipay, so `PaymentCodeClassifier` recognises the wallet.
    /// `serial` (0 to 99,999,999) fills the last eight digits, to tell codes apart.
    /// Query counts above 99 are capped at 99.
    public func authCode(wallet: Wallet = .wechat, serial: Int = 0) -> String {
        let (scenario, parameter) = digits
        let prefix = wallet == .wechat ? "13" : "28"
        return prefix + "0000" + Self.twoDigits(scenario) + Self.twoDigits(min(parameter, 99))
            + Self.eightDigits(serial)
    }

    private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private static func eightDigits(_ value: Int) -> String {
        let text = String(abs(value) % 100_000_000)
        return String(repeating: "0", count: 8 - text.count) + text
    }

    /// The code the payment request is answered with.
    var paymentAnswer: String {
        switch self {
        case .pendingThenPaid, .pendingForever, .pendingThenDeclined, .paidOnCloseAttempt, .closeAnsweredButPaid,
            .pendingCloseUnsupported:
            "1145"
        case .enteringPasswordThenPaid: "1143"
        case .slowNetworkThenPaid: "1298"
        case .resultUnknownThenPaid: "1161"
        case .declined(let decline): decline.rawValue
        case .success, .cancelUnsupported, .cancelWithoutSyssn, .refundDenied, .noPartialRefund, .refundNotPassedOnce:
            "0000"
        }
    }

    /// How many queries see the order pending before it settles; `nil` when only a close (or, for
    /// `pendingCloseUnsupported`, queries after a close) ends it.
    var pendingQueries: Int? {
        switch self {
        case .pendingThenPaid(let queries), .enteringPasswordThenPaid(let queries),
            .slowNetworkThenPaid(let queries), .resultUnknownThenPaid(let queries),
            .pendingThenDeclined(let queries, _):
            queries
        default: nil
        }
    }
}

/// The codes a customer's payment can be declined with (specification 1.2.4, qfpay-notes.md).
public enum SandboxDecline: String, Sendable, Hashable, CaseIterable {
    /// 2004: insufficient balance.
    case insufficientBalance = "2004"
    /// 2005: the payment code is invalid or expired.
    case codeExpired = "2005"
    /// 2006: illegal code (an Alipay code scanned as WeChat, ...).
    case illegalCode = "2006"
    /// 1147: WeChat card failed (Hong Kong wallet, wrong password).
    case wechatCardFailed = "1147"
    /// 2007: the customer closed the password box.
    case customerClosed = "2007"
    /// 1144: a WeChat code scanned as Alipay, or the bound bank card is invalid.
    case cardInvalid = "1144"
    /// 1296: channel error (configuration, WeChat suspended).
    case channelError = "1296"
    /// 1297: please try another payment method.
    case tryOtherMethod = "1297"
    /// 1142: the order has been closed (timed out).
    case orderClosed = "1142"
    /// 1181: the order expired.
    case orderExpired = "1181"
    /// 1201: insufficient balance (older code).
    case balanceTooLow = "1201"
    /// 1202: the payment code is wrong or expired (older code).
    case codeWrong = "1202"
}
