/// Decodes the input reports of a HID POS scanner (usage page 0x8C) in the layout Honeywell
/// documents for its "HID POS" interface mode:
///
/// | byte | content |
/// | --- | --- |
/// | 0 | report id `0x02` |
/// | 1 | number of data bytes in this report (0…56) |
/// | 2…57 | data |
/// | 58…60 | symbology identifier: AIM id (`]E0`) when byte 58 is `]` |
/// | 61…62 | reserved |
/// | 63 | bit 0: more reports follow for this code |
///
/// A code longer than 56 bytes spans several reports; the decoder joins them (bounded by
/// `capacity`). Reports of other ids (feature, status) are ignored.
struct HIDPOSReportDecoder: Sendable {
    /// What the decoder found.
    enum Output: Equatable, Sendable {
        case code([UInt8], symbology: String?)
        case overlong(Int)
    }

    static let reportSize = 64
    static let scanReportID: UInt8 = 0x02
    static let dataCapacity = 56

    private let capacity: Int
    private var data: [UInt8] = []
    private var discarded = 0
    private var pending: [UInt8] = []

    init(capacity: Int) { self.capacity = capacity }

    /// Feeds bytes from hidraw (normally one whole report per read; a byte stream is re-split
    /// into 64-byte reports).
    mutating func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes, emit: (Output) -> Void) {
        pending.append(contentsOf: bytes)
        var offset = 0
        while pending.count - offset >= Self.reportSize {
            report(pending[offset..<(offset + Self.reportSize)], emit: emit)
            offset += Self.reportSize
        }
        pending.removeFirst(offset)
    }

    private mutating func report(_ report: ArraySlice<UInt8>, emit: (Output) -> Void) {
        let base = report.startIndex
        guard report[base] == Self.scanReportID else { return }
        let count = min(Int(report[base + 1]), Self.dataCapacity)
        if discarded > 0 || data.count + count > capacity {
            discarded += data.count + count
            data.removeAll(keepingCapacity: true)
        } else {
            data.append(contentsOf: report[(base + 2)..<(base + 2 + count)])
        }
        let moreFollows = report[base + 63] & 0x01 != 0
        guard !moreFollows else { return }
        if discarded > 0 {
            emit(.overlong(discarded))
        } else if !data.isEmpty {
            let identifier = Array(report[(base + 58)..<(base + 61)])
            var symbology: String?
            if identifier[0] == UInt8(ascii: "]") {
                symbology = AIMSymbology.name(ofIdentifier: String(decoding: identifier, as: UTF8.self))
            }
            emit(.code(data, symbology: symbology))
        }
        data.removeAll(keepingCapacity: true)
        discarded = 0
    }
}
