import Foundation
import Logging

/// The routes of one listener: `/metrics` when it serves the metrics, and the status page's
/// `/`, `/lanes/<id>/receipt.png`, `POST /lanes/<id>/test-print` and `POST /lanes/<id>/reprint`
/// when it serves the page. Every request passes ``WebAccess`` first; every POST carries the
/// page's CSRF token. No route starts, cancels or refunds a sale.
public struct StatusRoutes: Sendable {
    private let access: WebAccess
    private let metrics: (@Sendable () async -> [UInt8])?
    private let metricsContentType: String
    private let page: (any StatusSource)?
    private let csrfToken: String
    private let logger: Logger

    /// - Parameters:
    ///   - metrics: the exposition, when this listener serves `/metrics`.
    ///   - page: the status page's source, when this listener serves the page.
    public init(
        access: WebAccess, metrics: (@Sendable () async -> [UInt8])?, metricsContentType: String = "text/plain",
        page: (any StatusSource)?, logger: Logger
    ) {
        self.access = access
        self.metrics = metrics
        self.metricsContentType = metricsContentType
        self.page = page
        self.logger = logger
        // One token for the daemon's life, from the kernel's random source: a form from another
        // site cannot know it, so it cannot make the technician's browser press a button.
        var generator = SystemRandomNumberGenerator()
        csrfToken = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }
            .joined()
    }

    public func respond(_ request: WebRequest) async -> WebResponse {
        if let refusal = access.refusal(of: request) { return refusal }
        let parts = request.path.split(separator: "/").map(String.init)
        let lane = parts.count == 3 && parts[0] == "lanes" ? parts[1] : nil
        let leaf = parts.last ?? ""
        switch request.method {
        case "GET" where parts == ["metrics"]:
            guard let metrics else { return .text(404, "not found\n") }
            return WebResponse(contentType: metricsContentType, body: await metrics())
        case "GET" where parts.isEmpty:
            guard let page else { return .text(404, "not found (the status page is not enabled here)\n") }
            let notice = Self.queryValue("done", in: request.query)
            let html = StatusPageRenderer.render(await page.snapshot(), csrfToken: csrfToken, notice: notice)
            return WebResponse(contentType: "text/html; charset=utf-8", body: Array(html.utf8))
        case "GET" where lane != nil && leaf == "receipt.png":
            guard let page, let lane, let png = await page.receiptPreview(lane: lane) else {
                return .text(404, "no receipt\n")
            }
            return WebResponse(contentType: "image/png", body: png)
        case "POST" where lane != nil && (leaf == "test-print" || leaf == "reprint"):
            guard let page, let lane else { return .text(404, "not found\n") }
            return await act(leaf, lane: lane, page: page, form: request.formFields)
        default:
            let known = parts == ["metrics"] || parts.isEmpty || (lane != nil && leaf == "receipt.png")
            return known
                ? .text(405, "method not allowed\n", headers: [("Allow", "GET, POST")]) : .text(404, "not found\n")
        }
    }

    /// A button's POST: the token checked, then the test page or the copy printed.
    private func act(_ action: String, lane: String, page: any StatusSource, form: [String: String]) async
        -> WebResponse
    {
        guard let token = form["csrf"], PasswordHash.constantTimeEqual(Array(token.utf8), Array(csrfToken.utf8)) else {
            return .text(403, "the form's token is missing or stale: reload the page\n")
        }
        do {
            if action == "test-print" {
                try await page.testPrint(lane: lane)
            } else {
                try await page.reprintLastReceipt(lane: lane)
            }
            logger.notice("status page: \(action)", metadata: ["lane": "\(lane)"])
            return .seeOther("/?done=\(action)-\(Self.slug(lane))")
        } catch {
            logger.warning("status page: \(action) failed", metadata: ["lane": "\(lane)", "error": "\(error)"])
            return .text(500, "\(action) on lane \(lane) failed: \(error)\n")
        }
    }

    static func queryValue(_ name: String, in query: String) -> String? {
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == name { return parts[1].removingPercentEncoding }
        }
        return nil
    }

    /// Lane ids are letters, digits, - and _ (the configuration checks); anything else is dropped.
    static func slug(_ text: String) -> String {
        String(text.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }
}
