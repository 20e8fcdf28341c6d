import QFPay

/// Turns the raw bytes of one framed read into a `ScanEvent`, or a `ScanDrop` with its reason:
/// strips the configured prefix, suffix and AIM symbology identifier, refuses binary garbage,
/// noise and overlong input, and classifies the text with `PaymentCodeClassifier`.
struct ScanValidator: Sendable {
    let settings: ScannerSettings
    let source: ScanSource
    let classifier: PaymentCodeClassifier

    init(settings: ScannerSettings, source: ScanSource, classifier: PaymentCodeClassifier = .init()) {
        self.settings = settings
        self.source = source
        self.classifier = classifier
    }

    /// Validates a frame given as bytes (serial, HID POS). `symbology` comes from the transport
    /// when it reports one.
    func validate(
        _ frame: ArraySlice<UInt8>, symbology: String? = nil, completedAt: ContinuousClock.Instant
    ) -> ScannerOutput {
        var bytes = frame
        let prefix = Array(settings.prefix.utf8)
        let suffix = Array(settings.suffix.utf8)
        if !prefix.isEmpty, bytes.starts(with: prefix) { bytes = bytes.dropFirst(prefix.count) }
        if !suffix.isEmpty, bytes.reversed().starts(with: suffix.reversed()) { bytes = bytes.dropLast(suffix.count) }
        guard bytes.count <= settings.maximumLength + 3 else {
            return .dropped(ScanDrop(reason: .overlong, length: bytes.count, source: source))
        }
        guard !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }), let text = String(validating: bytes, as: UTF8.self)
        else { return .dropped(ScanDrop(reason: .binary, length: bytes.count, source: source)) }
        return validate(affixFree: Substring(text), symbology: symbology, completedAt: completedAt)
    }

    /// Validates a frame given as text (keyboard wedge).
    func validate(text raw: String, symbology: String? = nil, completedAt: ContinuousClock.Instant) -> ScannerOutput {
        var text = Substring(raw)
        if !settings.prefix.isEmpty, text.hasPrefix(settings.prefix) { text = text.dropFirst(settings.prefix.count) }
        if !settings.suffix.isEmpty, text.hasSuffix(settings.suffix) { text = text.dropLast(settings.suffix.count) }
        return validate(affixFree: text, symbology: symbology, completedAt: completedAt)
    }

    private func validate(affixFree: Substring, symbology: String?, completedAt: ContinuousClock.Instant)
        -> ScannerOutput
    {
        var text = affixFree
        var symbology = symbology
        if settings.aimSymbologyIdentifier, text.count >= 3, text.first == "]" {
            let identifier = String(text.prefix(3))
            text = text.dropFirst(3)
            symbology = symbology ?? AIMSymbology.name(ofIdentifier: identifier)
        }
        let length = text.utf8.count
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            return .dropped(ScanDrop(reason: .binary, length: length, source: source))
        }
        guard length <= settings.maximumLength else {
            return .dropped(ScanDrop(reason: .overlong, length: length, source: source))
        }
        let trimmed = text.trimmingCharacters(in: " ")
        guard trimmed.count >= settings.minimumLength else {
            return .dropped(ScanDrop(reason: .noise, length: length, source: source))
        }
        let classification = classifier.classify(trimmed)
        if symbology == nil, case .productBarcode(let name) = classification { symbology = name }
        return .scan(
            ScanEvent(
                text: trimmed, symbology: symbology, source: source, classification: classification,
                completedAt: completedAt))
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}

/// AIM symbology identifiers (ISO/IEC 15424) that scanners can send before each code.
enum AIMSymbology {
    /// The symbology an identifier such as `]E0` or `]Q1` names; nil when unknown.
    static func name(ofIdentifier identifier: String) -> String? {
        let characters = Array(identifier)
        guard characters.count == 3, characters[0] == "]" else { return nil }
        switch characters[1] {
        case "A": return "Code 39"
        case "C": return "Code 128"
        case "d": return "Data Matrix"
        case "E": return characters[2] == "4" ? "EAN-8" : "EAN-13"
        case "F": return "Codabar"
        case "G": return "Code 93"
        case "I": return "ITF"
        case "L": return "PDF417"
        case "Q": return "QR Code"
        case "z": return "Aztec"
        case "e": return "GS1 DataBar"
        default: return nil
        }
    }
}
