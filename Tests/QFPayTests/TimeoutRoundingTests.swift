import Testing

@testable import QFPay

@Suite struct TimeoutRoundingTests {
    /// FoundationNetworking truncates timeouts to whole seconds: 0.3 s would become an instant
    /// timeout, so the transport rounds up.
    @Test func timeoutsAreRoundedUpToWholeSecondsAndNeverZero() {
        #expect(HTTPTransport.wholeSeconds(.milliseconds(300)) == 1)
        #expect(HTTPTransport.wholeSeconds(.zero) == 1)
        #expect(HTTPTransport.wholeSeconds(.milliseconds(1500)) == 2)
        #expect(HTTPTransport.wholeSeconds(.seconds(20)) == 20)
    }
}
