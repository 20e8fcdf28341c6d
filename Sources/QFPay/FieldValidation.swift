/// The specification's field rules, checked before anything is sent. Each failure is a
/// `QFPayError` naming the field by its QFPay name.
enum FieldValidation {
    /// Characters the specification lists as special in `goods_name` (section "goods_name"). The
    /// list's Latin letters and hyphen are taken as the full-width forms (the specification's own
    /// sample sends `test`); its modifier letters (ˇ ˉ ˊ ˋ ˙) are refused although Unicode calls
    /// them letters.
    static let listedGoodsNameCharacters: Set<Unicode.Scalar> = Set(
        "★☆$&¤§|°゜¨±·×÷ˇˉˊˋ˙―‖‥…‰′″※℃℅℉№℡".unicodeScalars
    )

    static func outTradeNo(_ value: String, field: String = "out_trade_no") throws(QFPayError) {
        guard !value.isEmpty else {
            throw QFPayError(.missingField, "\(field) is empty", field: field, rule: "out_trade_no.required")
        }
        guard value.utf8.count <= 128 else {
            throw QFPayError(
                .invalidField, "\(field) is \(value.utf8.count) bytes, at most 128 allowed", field: field,
                rule: "out_trade_no.max_128_bytes")
        }
        let allowed = value.utf8.allSatisfy { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 95
                || byte == 124 || byte == 42
        }
        guard allowed else {
            throw QFPayError(
                .invalidField, "\(field) may hold only letters, digits, _ | and *: \(value.debugDescription)",
                field: field, rule: "out_trade_no.charset")
        }
    }

    /// `goods_name`: required in both payment tables; "No long than 20 byte" (UTF-8 bytes, the
    /// table's word: the later note's "20 characters" is the looser reading); "special character
    /// is not allowed".
    static func goodsName(_ value: String?) throws(QFPayError) {
        let field = "goods_name"
        guard let value, !value.isEmpty else {
            throw QFPayError(
                .missingField, "goods_name is required (set it, or a default goods name)", field: field,
                rule: "goods_name.required")
        }
        guard value.utf8.count <= 20 else {
            throw QFPayError(
                .invalidField, "goods_name is \(value.utf8.count) bytes of UTF-8, at most 20 allowed", field: field,
                rule: "goods_name.max_20_bytes")
        }
        if let special = value.unicodeScalars.first(where: isSpecialInGoodsName) {
            throw QFPayError(
                .invalidField,
                "goods_name holds the special character \(String(special).debugDescription) "
                    + "(U+\(String(special.value, radix: 16, uppercase: true))): letters, digits, spaces and - only",
                field: field, rule: "goods_name.no_special_characters")
        }
    }

    /// "Special character is not allowed", read strictly: "special characters include full-width
    /// characters and symbols". A name may hold letters (not Greek or Cyrillic), digits, combining
    /// marks, the ASCII space and `-`; every symbol, punctuation mark, full-width form, control
    /// character and character beyond the basic plane (emoji) is special.
    static func isSpecialInGoodsName(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " || scalar == "-" { return false }
        let value = scalar.value
        if listedGoodsNameCharacters.contains(scalar) || value > 0xFFFF || value == 0x3000 { return true }
        if (0x0370...0x03FF).contains(value) || (0x0400...0x04FF).contains(value) { return true }  // Greek, Cyrillic
        if (0xFF01...0xFF60).contains(value) || (0xFFE0...0xFFEE).contains(value) { return true }  // full-width forms
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber,
            .letterNumber, .nonspacingMark, .spacingMark, .enclosingMark:
            return false
        default:
            return true  // punctuation, symbols, separators, controls, unassigned
        }
    }

    static func amount(_ value: Int, currency: Currency, limits: [Currency: Int], field: String = "txamt")
        throws(QFPayError)
    {
        guard value > 0 else {
            throw QFPayError(
                .invalidField, "\(field) must be a positive integer, got \(value)", field: field,
                rule: "txamt.positive")
        }
        if let limit = limits[currency], value > limit {
            throw QFPayError(
                .invalidField, "\(field) \(value) exceeds the \(currency) limit of \(limit) (about 10,000 USD)",
                field: field, rule: "txamt.max_10000_usd")
        }
    }

    static func currency(_ currency: Currency) throws(QFPayError) {
        let bytes = Array(currency.rawValue.utf8)
        guard bytes.count == 3, bytes.allSatisfy({ (65...90).contains($0) }) else {
            throw QFPayError(
                .invalidField, "txcurrcd must be three upper-case letters, got \(currency.rawValue.debugDescription)",
                field: "txcurrcd", rule: "txcurrcd.iso_code")
        }
    }

    static func time(_ text: String, field: String) throws(QFPayError) {
        guard TransactionTime.wallClockTime(of: text) != nil else {
            throw QFPayError(
                .invalidField, "\(field) must be YYYY-MM-DD HH:MM:SS, got \(text.debugDescription)", field: field)
        }
    }

    static func udid(_ value: String) throws(QFPayError) {
        guard value.count <= 40 else {
            throw QFPayError(
                .invalidField, "udid is \(value.count) characters, at most 40 allowed", field: "udid",
                rule: "udid.max_40_characters")
        }
        guard value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw QFPayError(
                .invalidField, "udid may hold only printable ASCII", field: "udid", rule: "udid.printable_ascii")
        }
    }

    static func authCode(_ value: String) throws(QFPayError) {
        let field = "auth_code"
        guard !value.isEmpty else {
            throw QFPayError(.missingField, "auth_code is empty", field: field, rule: "auth_code.required")
        }
        guard value.utf8.count <= 128 else {
            throw QFPayError(
                .invalidField, "auth_code is longer than 128 bytes", field: field, rule: "auth_code.max_128_bytes")
        }
        guard value.utf8.allSatisfy({ (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) })
        else {
            throw QFPayError(
                .invalidField, "auth_code may hold only letters and digits", field: field,
                rule: "auth_code.alphanumeric")
        }
        if case .productBarcode(let symbology) = PaymentCodeClassifier().classify(value) {
            throw QFPayError(
                .invalidField,
                "auth_code \(AuthCode.mask(value)) is a product barcode (\(symbology)), not a payment code",
                field: field, rule: "auth_code.not_a_product_barcode")
        }
    }

    static func syssn(_ value: String, field: String = "syssn") throws(QFPayError) {
        guard !value.isEmpty else { throw QFPayError(.missingField, "\(field) is empty", field: field) }
        guard value.utf8.count <= 64,
            value.utf8.allSatisfy({ (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) })
        else {
            throw QFPayError(
                .invalidField, "\(field) must be a QFPay order number, got \(value.debugDescription)", field: field)
        }
    }

    static func tradeDate(_ text: String) throws(QFPayError) {
        guard TransactionTime.wallClockTime(of: text + " 00:00:00") != nil else {
            throw QFPayError(
                .invalidField, "trade_date must be YYYY-MM-DD, got \(text.debugDescription)", field: "trade_date")
        }
    }
}
