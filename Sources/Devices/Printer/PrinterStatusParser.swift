/// Splits the bytes a printer sends back into status answers and folds them into a
/// `PrinterStatus`. Pure: tests feed it byte sequences.
///
/// The three kinds of answer are told apart by their fixed bits (Epson ESC/POS):
/// - `DLE EOT n` answers are `0xx1xx10` (`byte & 0x93 == 0x12`), one byte each, in the order
///   the requests were sent (`expect(_:)` records that order);
/// - Automatic Status Back is four bytes, the first `0xx1xx00` (`& 0x93 == 0x10`), the others `0xx0xxxx`;
/// - `GS r 1` answers are `0xx0xxxx` while a `GS r` request is outstanding.
/// Other bytes (XON/XOFF, noise) are counted and ignored.
public struct PrinterStatusParser: Sendable {
    /// One decoded answer.
    public enum Answer: Sendable, Hashable {
        /// An answer to `DLE EOT n` (n = 1 printer, 2 offline cause, 3 error cause, 4 paper sensor).
        case realtime(request: Int, byte: UInt8)
        /// An Automatic Status Back block.
        case automaticStatusBack([UInt8])
        /// An answer to `GS r 1`: everything sent before it has been processed.
        case paperSensor(UInt8)
    }

    /// The merged status.
    public private(set) var status = PrinterStatus(reachable: true, online: true)
    /// Bytes that were none of the known answers.
    public private(set) var ignoredBytes = 0

    private var pendingRealtime: [Int] = []
    private var pendingPaperSensor = 0
    private var statusBack: [UInt8] = []

    /// A parser starting from a reachable, online printer.
    public init() {}

    /// Records that `DLE EOT n` was sent, so that its answer is read as request `n`.
    public mutating func expectRealtime(_ request: Int) {
        pendingRealtime.append(request)
    }

    /// Records that `GS r 1` was sent.
    public mutating func expectPaperSensor() {
        pendingPaperSensor += 1
    }

    /// Real-time requests still waiting for their answer.
    public var outstandingRealtime: Int { pendingRealtime.count }

    /// `GS r 1` requests still waiting for their answer.
    public var outstandingPaperSensor: Int { pendingPaperSensor }

    /// Forgets outstanding requests (after a reconnect, or when a printer does not answer).
    public mutating func forgetOutstanding() {
        pendingRealtime.removeAll()
        pendingPaperSensor = 0
        statusBack.removeAll()
    }

    /// Feeds received bytes; returns the answers they complete, already applied to `status`.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Answer] {
        var answers: [Answer] = []
        for byte in bytes {
            if !statusBack.isEmpty {
                if byte & 0x90 == 0 {
                    statusBack.append(byte)
                    if statusBack.count == 4 {
                        answers.append(.automaticStatusBack(statusBack))
                        apply(statusBack: statusBack)
                        statusBack.removeAll()
                    }
                    continue
                }
                statusBack.removeAll()  // broken block: start again with this byte
                ignoredBytes += 1
            }
            if byte & 0x93 == 0x12, !pendingRealtime.isEmpty {
                let request = pendingRealtime.removeFirst()
                apply(realtime: request, byte: byte)
                answers.append(.realtime(request: request, byte: byte))
            } else if byte & 0x93 == 0x10 {
                statusBack = [byte]
            } else if byte & 0x90 == 0, pendingPaperSensor > 0 {
                pendingPaperSensor -= 1
                apply(paperSensor: byte)
                answers.append(.paperSensor(byte))
            } else {
                ignoredBytes += 1
            }
        }
        return answers
    }

    private mutating func apply(realtime request: Int, byte: UInt8) {
        switch request {
        case 1:
            status.drawerSignal = byte & 0x04 != 0
            status.online = byte & 0x08 == 0
        case 2:
            status.coverOpen = byte & 0x04 != 0
            status.paperOut = byte & 0x20 != 0
            status.error = byte & 0x40 != 0
        case 3:
            if byte & 0x6C != 0 { status.error = true }
        case 4:
            status.paperNearEnd = byte & 0x0C == 0x0C
            if byte & 0x60 == 0x60 { status.paperOut = true }
        default:
            break
        }
    }

    private mutating func apply(statusBack block: [UInt8]) {
        status.drawerSignal = block[0] & 0x04 != 0
        status.online = block[0] & 0x08 == 0
        status.coverOpen = block[0] & 0x20 != 0
        status.error = block[1] & 0x6C != 0
        status.paperNearEnd = block[2] & 0x03 == 0x03
        status.paperOut = block[2] & 0x0C == 0x0C
    }

    private mutating func apply(paperSensor byte: UInt8) {
        status.paperNearEnd = byte & 0x03 == 0x03
        status.paperOut = byte & 0x0C == 0x0C
    }
}
