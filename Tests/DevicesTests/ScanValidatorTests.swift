import Testing

@testable import Devices

@Suite struct ScanValidatorTests {
    let source = ScanSource(deviceID: "d", node: "/dev/null", transport: .serial)

    @Test func codesAreMaskedForLogsKeepingFourCharactersAtEachEnd() {
        #expect(ScanEvent.mask("1346123412344254") == "1346••••••••4254")
        #expect(ScanEvent.mask("134567890123456789") == "1345••••••••••6789")
        #expect(ScanEvent.mask("12345678") == "••••••••")
    }

    @Test func overlongTextIsDroppedEvenWhenTheFrameFits() {
        let validator = ScanValidator(settings: ScannerSettings(maximumLength: 20), source: source)
        let output = validator.validate(text: String(repeating: "1", count: 21), completedAt: .now)
        #expect(output == .dropped(ScanDrop(reason: .overlong, length: 21, source: source)))
    }

    @Test func anUnknownAIMIdentifierIsStrippedWithoutASymbology() {
        let validator = ScanValidator(settings: ScannerSettings(aimSymbologyIdentifier: true), source: source)
        guard case .scan(let event) = validator.validate(text: "]X0134567890123456789", completedAt: .now) else {
            Issue.record("expected a scan")
            return
        }
        #expect(event.text == "134567890123456789")
        #expect(event.symbology == nil)
    }

    @Test func surroundingSpacesAreTrimmedButInnerTextKept() {
        let validator = ScanValidator(settings: ScannerSettings(), source: source)
        guard case .scan(let event) = validator.validate(text: "  AB CD  ", completedAt: .now) else {
            Issue.record("expected a scan")
            return
        }
        #expect(event.text == "AB CD")
    }
}
