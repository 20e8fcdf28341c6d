/// A JSON-RPC 2.0 error object: what a failed request answers. `code` is one of JSON-RPC's
/// standard codes or an application code (see ``Code``); `data.reason` is a stable, machine-readable
/// word a till can switch on (see ``Reason``), while `message` is for people and may change.
public struct RPCError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The numeric error code.
    public var code: Int
    /// A short human-readable message, safe to show (never a key, never a whole auth code).
    public var message: String
    /// Structured details; always an object with at least `reason`.
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    /// Makes an error with `data.reason` set, plus any extra `details` members.
    public init(code: Int, reason: Reason, message: String, details: [String: JSONValue] = [:]) {
        var members = details
        members["reason"] = .string(reason.rawValue)
        self.init(code: code, message: message, data: .object(members))
    }

    /// The stable reason in `data.reason`, if any.
    public var reason: Reason? {
        data?["reason"]?.stringValue.map(Reason.init(rawValue:))
    }

    public var description: String { "\(message) (\(code)\(reason.map { ", \($0.rawValue)" } ?? ""))" }

    /// JSON-RPC's standard codes and qfpos's application codes.
    public enum Code {
        /// Invalid JSON or invalid UTF-8: the line could not be parsed at all.
        public static let parseError = -32700
        /// Valid JSON but not a valid request object (or a line over the size limit).
        public static let invalidRequest = -32600
        /// No such method.
        public static let methodNotFound = -32601
        /// The method exists but its params are wrong (missing, wrong type, out of range).
        public static let invalidParams = -32602
        /// A fault inside the daemon.
        public static let internalError = -32603
        /// The daemon cannot take this now (draining, overloaded); retrying later may work.
        public static let unavailable = -32000
        /// The request is well formed but refers to something that does not exist.
        public static let notFound = 1001
        /// The request conflicts with the current state (cancel a paid sale, refund too much, lane busy).
        public static let conflict = 1002
        /// The peer is not allowed to do this.
        public static let forbidden = 1003
        /// A device (scanner, printer) or the gateway could not do what was asked.
        public static let deviceOrGatewayFailure = 1004
    }

    /// Stable reasons carried in `data.reason`: snake_case, each listed in docs/protocol.md (a test
    /// checks both). Only these constants make one, so that no reason is spelled ad hoc.
    public struct Reason: RawRepresentable, Sendable, Hashable {
        public var rawValue: String
        /// A reason as read from the wire (a client decoding an answer).
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let invalidJSON = Reason(rawValue: "invalid_json")
        public static let invalidUTF8 = Reason(rawValue: "invalid_utf8")
        public static let lineTooLong = Reason(rawValue: "line_too_long")
        public static let notAnObject = Reason(rawValue: "not_an_object")
        public static let emptyBatch = Reason(rawValue: "empty_batch")
        public static let batchTooLarge = Reason(rawValue: "batch_too_large")
        public static let badVersion = Reason(rawValue: "bad_jsonrpc_version")
        public static let badMethod = Reason(rawValue: "bad_method")
        public static let badID = Reason(rawValue: "bad_id")
        public static let badParams = Reason(rawValue: "bad_params")
        public static let unknownMethod = Reason(rawValue: "unknown_method")
        public static let missingParam = Reason(rawValue: "missing_param")
        public static let wrongType = Reason(rawValue: "wrong_type")
        public static let outOfRange = Reason(rawValue: "out_of_range")
        public static let unknownParam = Reason(rawValue: "unknown_param")
        public static let internalError = Reason(rawValue: "internal_error")
        public static let draining = Reason(rawValue: "draining")
        public static let tooManyRequests = Reason(rawValue: "too_many_requests")
        public static let notReady = Reason(rawValue: "not_ready")
        public static let journalUnavailable = Reason(rawValue: "journal_unavailable")
        public static let saleNotFound = Reason(rawValue: "sale_not_found")
        public static let invalidState = Reason(rawValue: "invalid_state")
        public static let refundExceedsPaid = Reason(rawValue: "refund_exceeds_paid")
        public static let notAPaymentCode = Reason(rawValue: "not_a_payment_code")
        public static let noSaleAwaitingScan = Reason(rawValue: "no_sale_awaiting_scan")
        public static let orderIDConflict = Reason(rawValue: "order_id_conflict")
        public static let notAllowed = Reason(rawValue: "not_allowed")
        public static let gatewayUnavailable = Reason(rawValue: "gateway_unavailable")
        public static let reconcileInProgress = Reason(rawValue: "reconcile_in_progress")
        public static let printerUnavailable = Reason(rawValue: "printer_unavailable")

        /// Every reason qfposd sends.
        public static let all: [Reason] = [
            .invalidJSON, .invalidUTF8, .lineTooLong, .notAnObject, .emptyBatch, .batchTooLarge, .badVersion,
            .badMethod, .badID,
            .badParams, .unknownMethod, .missingParam, .wrongType, .outOfRange, .unknownParam, .internalError,
            .draining, .tooManyRequests, .notReady, .journalUnavailable, .saleNotFound, .invalidState,
            .refundExceedsPaid, .notAPaymentCode, .noSaleAwaitingScan, .orderIDConflict, .notAllowed,
            .gatewayUnavailable, .reconcileInProgress, .printerUnavailable,
        ]
    }
}

extension RPCError {
    /// -32700 for a line that is not JSON.
    public static func parseError(_ message: String, reason: Reason = .invalidJSON) -> RPCError {
        RPCError(code: Code.parseError, reason: reason, message: message)
    }

    /// -32600 for a line that is JSON but not a request.
    public static func invalidRequest(_ message: String, reason: Reason) -> RPCError {
        RPCError(code: Code.invalidRequest, reason: reason, message: message)
    }

    /// -32601 for an unknown method.
    public static func methodNotFound(_ method: String) -> RPCError {
        RPCError(
            code: Code.methodNotFound, reason: .unknownMethod, message: "no method named \(method.debugDescription)",
            details: ["method": .string(String(method.prefix(100)))])
    }

    /// -32602 for wrong params, naming the offending `field`.
    public static func invalidParams(_ message: String, reason: Reason = .badParams, field: String? = nil)
        -> RPCError
    {
        RPCError(
            code: Code.invalidParams, reason: reason, message: message,
            details: field.map { ["field": .string($0)] } ?? [:])
    }

    /// -32603 for a fault inside the daemon; the message stays generic so nothing internal leaks.
    public static func internalError(_ message: String = "internal error") -> RPCError {
        RPCError(code: Code.internalError, reason: .internalError, message: message)
    }
}
