import Foundation
import QFPay
import QFPaySandbox
import TestSupport
import Testing

/// The specification's sample client, ported to Python 3's standard library, drives the sandbox:
/// it accepts requests signed by any correct client, not just ours.
@Suite("Python sample client interop")
struct SandboxPythonInteropTests {
    private static let script = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/qfpay_sample_client.py")
        .path

    /// Runs the sample client against `sandbox` and returns its exit status and JSON line.
    private func sample(_ sandbox: SandboxServer, _ arguments: [String]) async throws -> (Int32, [String: Any]) {
        let result = try await run(
            "/usr/bin/env",
            [
                "python3", Self.script, "--base-url", sandbox.baseURL.absoluteString, "--app-code",
                SandboxTestCredentials.appCode, "--key", SandboxTestCredentials.key, "--mchid",
                SandboxTestCredentials.mchid,
                // txdtm from the sandbox's clock (JST), not the machine's local time: the queries'
                // default range is the sandbox's month.
                "--txdtm", SandboxTestTime.format(sandbox.clock.now()),
            ] + arguments)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.output)")
        return (result.status, json)
    }

    private func body(_ json: [String: Any]) -> [String: Any] { json["body"] as? [String: Any] ?? [:] }

    @Test func theSampleClientPaysQueriesRefundsClosesAndReconciles() async throws {
        try await withSandbox { sandbox in
            // Barcode payment with a Japanese goods name, signed on raw UTF-8 by Python.
            let (payStatus, pay) = try await sample(
                sandbox,
                [
                    "--type", "wechat_app", "--txamt", "1200", "--authcode", "134676275354204254", "--goods-name",
                    "缶コーヒー",
                ])
            #expect(payStatus == 0)
            #expect(pay["sign_ok"] as? Bool == true)
            #expect(body(pay)["respcd"] as? String == "0000")
            let syssn = try #require(body(pay)["syssn"] as? String)
            #expect(sandbox.ledger.order(syssn: syssn)?.goodsName == "缶コーヒー")

            let (_, query) = try await sample(sandbox, ["--query", "--syssn", syssn])
            #expect(query["sign_ok"] as? Bool == true)
            let rows = try #require(body(query)["data"] as? [[String: Any]])
            #expect(rows.first?["respcd"] as? String == "0000")

            let (refundStatus, refund) = try await sample(
                sandbox, ["--refund", "--syssn", syssn, "--txamt", "200", "--tradeno", uniqueOutTradeNo("PYR")])
            #expect(refundStatus == 0)
            #expect(body(refund)["orig_syssn"] as? String == syssn)
            #expect(sandbox.ledger.order(syssn: syssn)?.chargedAmount == 1000)

            // Dynamic QR, then close it.
            let (_, qr) = try await sample(sandbox, ["--type", "alipay", "--txamt", "300"])
            #expect(qr["sign_ok"] as? Bool == true)
            #expect((body(qr)["qrcode"] as? String)?.hasPrefix("https://qr.alipay.com/") == true)
            let qrSyssn = try #require(body(qr)["syssn"] as? String)
            let (closeStatus, close) = try await sample(sandbox, ["--close", "--syssn", qrSyssn, "--txamt", "300"])
            #expect(closeStatus == 0)
            #expect(close["sign_ok"] as? Bool == true)
            #expect(sandbox.ledger.order(syssn: qrSyssn)?.state == .closed)

            // The bill: a real zip (Python's zipfile checks its CRCs) with today's transactions.
            let today = String(SandboxTestTime.format(sandbox.clock.now()).prefix(10))
            let (billStatus, bill) = try await sample(sandbox, ["--reconcile", "--tradedate", today])
            #expect(billStatus == 0)
            #expect(bill["sign_ok"] as? Bool == true)
            let entries = try #require(body(bill)["zip"] as? [[String: Any]])
            #expect(entries.count == 1)
            #expect(entries.first?["crc_ok"] as? Bool == true)
            #expect(entries.first?["method"] as? Int == 8, "zipfile inflated a deflated entry")
            let csv = try #require(entries.first?["text"] as? String)
            #expect(csv.contains("交易流水号"))
            #expect(csv.contains(syssn))
            #expect(csv.contains(body(refund)["syssn"] as! String))
        }
    }

    @Test func theSampleClientsSHA256SigningIsAcceptedAndAWrongKeyIsNot() async throws {
        try await withSandbox { sandbox in
            let (status, sha) = try await sample(
                sandbox,
                ["--sign-type", "SHA256", "--type", "alipay_app", "--txamt", "5", "--authcode", "285123456789012345"])
            #expect(status == 0)
            #expect(body(sha)["respcd"] as? String == "0000")
            let (badStatus, bad) = try await sample(
                sandbox, ["--query", "--key", "00000000000000000000000000000000"])
            #expect(badStatus == 1)
            #expect(body(bad)["respcd"] as? String == "1108")
            // A signature error comes unsigned (strict rules): nothing to verify.
            #expect(bad["sign_ok"] as? Bool == false)
        }
    }
}

@Suite("HTTP/1.1 connection handling")
struct SandboxConnectionTests {
    /// Three signed queries on one keep-alive connection, the last with `Expect: 100-continue`,
    /// from Python's http.client; prints each status, Connection header and whether it verified.
    static let script = #"""
        import hashlib, http.client, sys, urllib.parse
        port, app, key, mchid = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
        def sign(d): return hashlib.md5(('&'.join('%s=%s' % (k, d[k]) for k in sorted(d)) + key).encode()).hexdigest().upper()
        connection = http.client.HTTPConnection('127.0.0.1', port)
        for index in range(3):
            data = {'mchid': mchid, 'page_size': str(index + 1)}
            headers = {'X-QF-APPCODE': app, 'X-QF-SIGN': sign(data), 'Content-Type': 'application/x-www-form-urlencoded'}
            if index == 2:
                headers['Expect'] = '100-continue'
            connection.request('POST', '/trade/v1/query', urllib.parse.urlencode(data), headers)
            response = connection.getresponse()
            body = response.read()
            ok = response.getheader('X-QF-SIGN') == hashlib.md5(body + key.encode()).hexdigest().upper()
            print(response.status, response.getheader('Connection'), ok)
        """#

    @Test func oneKeepAliveConnectionServesSeveralRequestsIncludingExpectContinue() async throws {
        try await withSandbox { sandbox in
            let result = try await run(
                "/usr/bin/env",
                [
                    "python3", "-c", Self.script, String(sandbox.port), SandboxTestCredentials.appCode,
                    SandboxTestCredentials.key, SandboxTestCredentials.mchid,
                ])
            #expect(result.status == 0)
            #expect(result.output == "200 keep-alive True\n200 keep-alive True\n200 keep-alive True\n")
            #expect(sandbox.ledger.requests(path: "/trade/v1/query").count == 3)
        }
    }
}
