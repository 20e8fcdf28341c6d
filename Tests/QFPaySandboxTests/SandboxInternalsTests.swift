import Deflate
import Foundation
import QFPay
import TestSupport
import Testing

@testable import QFPaySandbox

@Suite("Sandbox building blocks")
struct SandboxInternalsTests {
    @Test func zlibsCRC32MatchesTheStandardCheckValue() {
        #expect(Deflate.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(Deflate.crc32([]) == 0)
    }

    @Test func rawDeflateRoundTripsAndRefusesDamagedOrMisannouncedStreams() throws {
        let text = Array(String(repeating: "交易流水号,1200\r\n", count: 200).utf8)
        let compressed = try Deflate.compress(text)
        #expect(compressed.count < text.count / 4)
        #expect(try Deflate.decompress(compressed, expectedSize: text.count) == text)
        #expect(throws: DeflateError.self) { try Deflate.decompress(compressed, expectedSize: text.count - 1) }
        #expect(throws: DeflateError.self) { try Deflate.decompress(compressed, expectedSize: text.count + 1) }
        #expect(throws: DeflateError.self) {
            try Deflate.decompress(Array(compressed.prefix(compressed.count / 2)), expectedSize: text.count)
        }
        #expect(throws: DeflateError.self) { try Deflate.decompress([0xFF, 0xFF, 0xFF], expectedSize: 3) }
        #expect(try Deflate.decompress(try Deflate.compress([]), expectedSize: 0) == [])
    }

    @Test func formBodiesDecodePlusPercentAndUTF8() throws {
        let parsed = try FormBody.parse(Array("goods_name=%E7%BC%B6+a%2Bb&empty=&flag&x=1&x=2".utf8))
        #expect(parsed == ["goods_name": "缶 a+b", "empty": "", "flag": "", "x": "2"])
        #expect(throws: FormBody.MalformedError.self) { try FormBody.parse(Array("a=%E7%BC".utf8)) }
        #expect(throws: FormBody.MalformedError.self) { try FormBody.parse(Array("a=%G1".utf8)) }
        #expect(throws: FormBody.MalformedError.self) { try FormBody.parse(Array("=1".utf8)) }
        #expect(FormBody.encode([("goods_name", "缶 a+b")]) == "goods_name=%E7%BC%B6+a%2Bb")
    }

    @Test func gatewayTimesAreStrictCalendarTimesInTheShopsZone() throws {
        let time = GatewayTime(timeZone: TimeZone(identifier: "Asia/Tokyo")!)
        let date = try #require(time.parse("2026-02-28 23:59:59"))
        #expect(time.format(date) == "2026-02-28 23:59:59")
        #expect(date.timeIntervalSince1970 == 1_772_290_799)
        for bad in ["2026-02-29 00:00:00", "2026-2-28 23:59:59", "2026-02-28 23:60:00", "2026-02-28T23:59:59", ""] {
            #expect(time.parse(bad) == nil, "\(bad)")
        }
        #expect(time.parseDay("2024-02-29") != nil)
        let month = time.month(of: date)
        #expect(time.format(month.start) == "2026-02-01 00:00:00")
        #expect(time.format(month.end) == "2026-03-01 00:00:00")
    }

    @Test func goodsNameSpecialCharactersFollowTheSpecificationsListWhenLenient() {
        for scalar in "★☆$&|¤§°゜¨±·×÷ΓΩαωЁБяＡｚ＄😀".unicodeScalars {
            #expect(RequestFields.isSpecial(scalar), "\(scalar)")
        }
        for scalar in "缶コーヒー茶abcXYZ09-_ ()%+#".unicodeScalars {
            #expect(!RequestFields.isSpecial(scalar), "\(scalar)")
        }
    }

    @Test func strictlyOnlyLettersDigitsSpacesAndHyphensAreOrdinaryInGoodsNames() {
        for scalar in "★☆$&|¤§°゜¨±·×÷ΓΩαωЁБяＡｚ＄😀_()%+#!?.,:;/\\「」、。・〜\u{3000}\t".unicodeScalars {
            #expect(RequestFields.isSpecialStrictly(scalar), "U+\(String(scalar.value, radix: 16))")
        }
        for scalar in "缶コーヒー茶々ｺｰﾋｰabcXYZ09- 钱方测试〇".unicodeScalars {
            #expect(!RequestFields.isSpecialStrictly(scalar), "\(scalar)")
        }
    }

    @Test func theSandboxClockRunsScaledAndJumpsWhenAdvanced() {
        let start = Date(timeIntervalSince1970: 1_000_000)
        let clock = SandboxClock(scale: 1000, start: start)
        #expect(clock.now() >= start)
        clock.advance(by: .seconds(3600))
        #expect(clock.now().timeIntervalSince(start) >= 3600)
        #expect(clock.realDuration(of: .seconds(60)) == .milliseconds(60))
    }

    @Test func theRateLimiterCountsSlidingWindows() {
        let limiter = RateLimiter(.init(perSecond: 2, perMinute: 3))
        let t0 = ContinuousClock.now
        #expect(limiter.admit(now: t0))
        #expect(limiter.admit(now: t0))
        #expect(!limiter.admit(now: t0 + .milliseconds(500)))
        #expect(limiter.admit(now: t0 + .seconds(2)))
        #expect(!limiter.admit(now: t0 + .seconds(3)))
        #expect(limiter.admit(now: t0 + .seconds(61)))
    }

    @Test func aSandboxConfiguredWithRateLimitsAnswers429BeyondThem() async throws {
        try await withSandbox(configure: { $0.rateLimits = .init(perSecond: 100, perMinute: 2) }) { sandbox in
            let client = SandboxTestClient(sandbox)
            var statuses: [Int] = []
            for _ in 0..<3 {
                statuses.append(
                    try await client.post("/trade/v1/query", ["mchid": SandboxTestCredentials.mchid]).status)
            }
            #expect(statuses == [200, 200, 429])
            #expect(sandbox.ledger.requests().last?.fault == .tooManyRequests)
        }
    }

    @Test func aSandboxThatStoppedNoLongerAnswers() async throws {
        let sandbox = try await SandboxServer.start(.testing())
        let url = sandbox.baseURL.appendingPathComponent("sandbox/v1/ledger")
        #expect(try await SandboxHTTPClient.send(method: "GET", url: url).status == 200)
        await sandbox.stop()
        let error = await #expect(throws: SandboxError.self) {
            _ = try await SandboxHTTPClient.send(method: "GET", url: url)
        }
        #expect(error?.code == .connectionFailed)
    }
}
