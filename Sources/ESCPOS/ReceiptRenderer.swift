import QRCode

/// Lays out receipts (`ReceiptContent`) as ESC/POS bytes for one printer profile.
///
/// Layouts are width-aware: full-width characters count two columns when amounts are lined up,
/// and printers without Kanji get English labels whatever language is asked for.
public struct ReceiptRenderer: Sendable {
    /// Rendering choices that are not part of the content.
    public struct Options: Sendable, Hashable {
        /// Send QR codes as raster images even when the printer draws them natively.
        public var rasterQR: Bool
        /// QR module size in dots; nil takes the profile's.
        public var qrModuleSize: Int?
        /// QR error-correction level.
        public var qrErrorCorrection: QRCode.ErrorCorrection
        /// Pulse the cash drawer after a sale receipt.
        public var openDrawer: Bool

        /// Creates options.
        public init(
            rasterQR: Bool = false, qrModuleSize: Int? = nil, qrErrorCorrection: QRCode.ErrorCorrection = .medium,
            openDrawer: Bool = false
        ) {
            self.rasterQR = rasterQR
            self.qrModuleSize = qrModuleSize
            self.qrErrorCorrection = qrErrorCorrection
            self.openDrawer = openDrawer
        }
    }

    /// The printer profile.
    public let profile: PrinterProfile
    /// The options.
    public let options: Options

    /// Most lines a goods name may take before it is cut with `...`.
    public static let maximumGoodsLines = 3

    /// Creates a renderer.
    public init(profile: PrinterProfile, options: Options = Options()) {
        self.profile = profile
        self.options = options
    }

    /// The ESC/POS bytes of `content`, from `ESC @` to the cut.
    /// Sale, refund and cancel receipts carry a QR code too when the content has a `receiptURL`.
    /// - Throws: `ESCPOSError` `.qrCode` when a QR prompt has no URL or one too long for a QR code.
    public func render(_ content: ReceiptContent) throws(ESCPOSError) -> [UInt8] {
        var page = ReceiptPage(profile: profile, content: content)
        page.out.begin()
        switch content.kind {
        case .qrPrompt: try qrPrompt(&page)
        case .sale: try transaction(&page, title: .saleTitle)
        case .refund: try transaction(&page, title: .refundTitle)
        case .cancel: try transaction(&page, title: .cancelTitle)
        case .summary: summary(&page)
        case .testPage: try testPage(&page)
        }
        page.out.cut(.partial, feed: 0)
        if content.kind == .sale && options.openDrawer { page.out.pulseDrawer() }
        return page.out.bytes
    }

    // MARK: - Layouts

    private func qrPrompt(_ page: inout ReceiptPage) throws(ESCPOSError) {
        let content = page.content
        guard let url = content.qrURL, !url.isEmpty else {
            throw ESCPOSError(code: .qrCode, message: "a QR prompt needs a QR URL")
        }
        page.out.align(.center)
        page.header(compact: true)
        page.title(.promptTitle)
        page.out.size(width: 2, height: 2)
        page.out.line(page.amount(content.amount))
        page.out.size(width: 1, height: 1)
        if !content.walletName.isEmpty { page.out.line(content.walletName) }
        for text in ReceiptLabel.scanPrompt.texts(page.language) { page.centeredWrapped(text) }
        try page.out.qrCode(
            url, moduleSize: options.qrModuleSize, errorCorrection: options.qrErrorCorrection,
            forceRaster: options.rasterQR)
        page.out.lineFeed()
        if let expiry = content.expiresAt {
            page.out.line(
                ReceiptLabel.expires.texts(page.language).joined(separator: " / ") + " " + expiry.timeText)
        }
        if let order = content.outTradeNo { page.out.line(order) }
    }

    private func transaction(_ page: inout ReceiptPage, title: ReceiptLabel) throws(ESCPOSError) {
        let content = page.content
        page.out.align(.center)
        page.header(compact: false)
        page.title(title)
        page.out.align(.left)
        page.row(.dateTime, "\(content.dateTime.dateText) \(content.dateTime.timeText)")
        if let goods = content.goodsName, !goods.isEmpty { page.goods(goods) }
        page.rule()
        switch content.kind {
        case .refund:
            page.row(.amount, page.amount(content.amount))
            page.row(.refundAmount, page.amount(-(content.refundAmount ?? content.amount)), emphasised: true)
        case .cancel:
            page.row(.amount, page.amount(content.amount), emphasised: true)
        default:
            page.row(.amount, page.amount(content.amount), emphasised: true)
        }
        page.rule()
        if !content.walletName.isEmpty { page.row(.wallet, content.walletName) }
        if let syssn = content.syssn { page.row(.syssn, syssn) }
        if let original = content.originalSyssn { page.row(.originalSyssn, original) }
        if let order = content.outTradeNo { page.row(.orderNumber, order) }
        if let payer = content.maskedPayerID { page.row(.payer, payer) }
        page.out.lineFeed()
        page.out.align(.center)
        if let url = content.receiptURL, !url.isEmpty {
            // The e-receipt link, when the content has one (never the payment QR of the prompt).
            try page.out.qrCode(
                url, moduleSize: options.qrModuleSize, errorCorrection: options.qrErrorCorrection,
                forceRaster: options.rasterQR)
            page.out.lineFeed()
        }
        if content.kind == .cancel {
            for text in ReceiptLabel.cancelNote.texts(page.language) { page.centeredWrapped(text) }
        } else if content.kind == .sale {
            for text in ReceiptLabel.thanks.texts(page.language) { page.out.line(text) }
        }
        if content.isReprint { page.reprintMark() }
    }

    private func summary(_ page: inout ReceiptPage) {
        let content = page.content
        page.out.align(.center)
        page.header(compact: false)
        page.title(.summaryTitle)
        page.out.line(content.dateTime.dateText)
        page.out.align(.left)
        let summary = content.summary ?? DailySummary(lines: [])
        for line in summary.lines {
            page.rule()
            page.out.emphasis(true)
            page.out.line(line.walletName)
            page.out.emphasis(false)
            page.countRow(.salesCount, count: line.saleCount, amount: line.saleAmount)
            page.countRow(.refundsCount, count: line.refundCount, amount: -line.refundAmount)
        }
        page.rule()
        page.row(.cancels, "\(summary.cancelCount)")
        page.row(.netTotal, page.amount(summary.netAmount), emphasised: true)
        if content.isReprint { page.reprintMark() }
    }

    private func testPage(_ page: inout ReceiptPage) throws(ESCPOSError) {
        page.out.align(.center)
        page.title(.testTitle)
        page.out.align(.left)
        page.out.line(profile.name)
        page.wrapped(profile.model, maximumLines: 2)
        page.out.line("\(profile.paperWidthMM) mm, \(profile.dotsPerLine) dots, \(profile.columns) columns")
        var ruler = ""
        for column in 1...profile.columns { ruler += String(column % 10) }
        page.out.line(ruler)
        page.out.line("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        page.out.line("abcdefghijklmnopqrstuvwxyz")
        page.out.line("0123456789 !#$%&()*+,-./:;<=>?@")
        page.out.line("¥1,234,567 ﾊﾝｶｸｶﾀｶﾅ")
        page.out.line("漢字 ひらがな カタカナ 全角ＡＢＣ")
        page.out.emphasis(true)
        page.out.line("Emphasis 強調")
        page.out.emphasis(false)
        page.out.underline(.thin)
        page.out.line("Underline 下線")
        page.out.underline(.none)
        page.out.size(width: 2, height: 2)
        page.out.line("2x2 倍角")
        page.out.size(width: 1, height: 1)
        page.out.align(.center)
        try page.out.qrCode(
            page.content.qrURL ?? "https://qfpos.invalid/test", moduleSize: options.qrModuleSize,
            errorCorrection: options.qrErrorCorrection, forceRaster: options.rasterQR)
        page.out.lineFeed()
        page.out.line(options.rasterQR || !profile.nativeQR ? "raster QR (GS v 0)" : "native QR (GS ( k)")
    }
}

/// One receipt being laid out: the encoder plus the width-aware helpers the layouts share.
private struct ReceiptPage {
    var out: CommandEncoder
    let content: ReceiptContent
    let language: ReceiptContent.Language
    let columns: Int
    let amounts: AmountFormatter

    init(profile: PrinterProfile, content: ReceiptContent) {
        self.out = CommandEncoder(profile: profile)
        self.content = content
        let encoder = out.textEncoder
        self.language = encoder.canPrintJapanese ? content.language : .en
        self.columns = profile.columns
        self.amounts = AmountFormatter(yenSign: encoder.canPrintYenSign)
    }

    func amount(_ value: Int) -> String { amounts.format(value, currency: content.currency) }

    func width(_ text: String) -> Int { out.textEncoder.columns(text) }

    mutating func header(compact: Bool) {
        if content.isReprint { reprintMark() }
        out.emphasis(true)
        out.size(width: 1, height: 2)
        wrapped(content.shopName, maximumLines: 2)
        out.size(width: 1, height: 1)
        out.emphasis(false)
        if !compact {
            for line in content.shopAddress { wrapped(line, maximumLines: 2) }
        }
    }

    mutating func title(_ label: ReceiptLabel) {
        out.emphasis(true)
        out.line(label.texts(language).joined(separator: " / "))
        out.emphasis(false)
    }

    mutating func reprintMark() {
        out.emphasis(true)
        out.line("** " + ReceiptLabel.reprint.texts(language).joined(separator: " / ") + " **")
        out.emphasis(false)
    }

    mutating func rule() {
        out.line(String(repeating: "-", count: columns))
    }

    /// A label and a value on one line, the value flush right; a value that does not fit goes on
    /// the next line. With `ja+en` the English label follows on its own line.
    mutating func row(_ label: ReceiptLabel, _ value: String, emphasised: Bool = false) {
        let labels = label.texts(language)
        if emphasised { out.emphasis(true) }
        let valueWidth = width(value)
        let labelWidth = width(labels[0])
        if labelWidth + 1 + valueWidth <= columns {
            out.text(labels[0])
            out.spaces(columns - labelWidth - valueWidth)
            out.line(value)
        } else {
            out.line(labels[0])
            let lines = wrap(value, maximumLines: 2)
            for line in lines {
                out.spaces(columns - width(line))
                out.line(line)
            }
        }
        if emphasised { out.emphasis(false) }
        for english in labels.dropFirst() { out.line(english) }
    }

    mutating func countRow(_ label: ReceiptLabel, count: Int, amount value: Int) {
        row(label, "\(count) " + (language == .en ? "x" : "件") + "  " + amount(value))
    }

    mutating func goods(_ name: String) {
        for label in ReceiptLabel.goods.texts(language) { out.line(label) }
        for line in wrap(name, maximumLines: ReceiptRenderer.maximumGoodsLines) { out.line(" " + line) }
    }

    mutating func wrapped(_ text: String, maximumLines: Int) {
        for line in wrap(text, maximumLines: maximumLines, width: columns) { out.line(line) }
    }

    mutating func centeredWrapped(_ text: String) {
        wrapped(text, maximumLines: 3)
    }

    /// Splits `text` into lines of at most `width` columns (default: the columns less one for the
    /// indent), never inside a character; past `maximumLines` the last line ends with `...`.
    /// Line breaks in the text start new lines.
    func wrap(_ text: String, maximumLines: Int, width lineWidth: Int? = nil) -> [String] {
        let limit = lineWidth ?? (columns - 1)
        if !text.utf8.contains(0x0A), !text.utf8.contains(0x0D), width(text) <= limit { return [text] }
        var lines: [String] = []
        var current = ""
        var currentWidth = 0
        var truncated = false
        /// Ends the current line; true when it was the last one allowed.
        func endLine() -> Bool {
            lines.append(current)
            current = ""
            currentWidth = 0
            return lines.count == maximumLines
        }
        for character in text {
            if character == "\n" || character == "\r\n" {
                if endLine() {
                    truncated = true
                    break
                }
                continue
            }
            let characterWidth = width(String(character))
            if currentWidth + characterWidth > limit, endLine() {
                truncated = true
                break
            }
            current.append(character)
            currentWidth += characterWidth
        }
        if !truncated, !current.isEmpty || lines.isEmpty { lines.append(current) }
        if truncated, var last = lines.popLast() {
            var lastWidth = width(last)
            while lastWidth + 3 > limit, let removed = last.popLast() { lastWidth -= width(String(removed)) }
            lines.append(last + "...")
        }
        return lines
    }
}
