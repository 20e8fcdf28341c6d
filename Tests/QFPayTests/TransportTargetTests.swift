import Foundation
import Testing

@testable import QFPay

@Suite struct TransportTargetTests {
    @Test func anHTTPSURLGoesToPort443WithItsPathAndQueryAsWritten() throws {
        let target = try #require(
            HTTPTransport.Target(URL(string: "https://openapi-int.qfapi.com/trade/v1/query?out_trade_no=A%2FB")!))
        #expect(target.secure)
        #expect(target.host == "openapi-int.qfapi.com")
        #expect(target.port == 443)
        #expect(target.hostHeader == "openapi-int.qfapi.com")
        #expect(target.pathAndQuery == "/trade/v1/query?out_trade_no=A%2FB")
        #expect(!target.hostIsAddress)
    }

    @Test func aPlainHTTPURLOnAnotherPortNamesThePortInItsHostHeader() throws {
        let target = try #require(HTTPTransport.Target(URL(string: "http://127.0.0.1:8123")!))
        #expect(!target.secure)
        #expect(target.port == 8123)
        #expect(target.hostHeader == "127.0.0.1:8123")
        #expect(target.pathAndQuery == "/")
        #expect(target.hostIsAddress)
    }

    @Test func otherSchemesAreRefused() {
        #expect(HTTPTransport.Target(URL(string: "ftp://example.com/x")!) == nil)
        #expect(HTTPTransport.Target(URL(string: "file:///etc/passwd")!) == nil)
    }
}
