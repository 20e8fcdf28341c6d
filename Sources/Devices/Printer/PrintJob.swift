/// Bytes to print as one unit (one receipt), with a label for logs and the till.
public struct PrintJob: Sendable, Hashable {
    /// The ESC/POS stream, from `ESC @` to the cut.
    public var bytes: [UInt8]
    /// What the job is, for logs: `sale 20261127000300020012345678`. Never holds secrets.
    public var label: String

    /// Creates a job.
    public init(bytes: [UInt8], label: String) {
        self.bytes = bytes
        self.label = label
    }
}

/// Identifies a job submitted to one `PrinterLink`; increasing in submission order.
public struct JobID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The number, from 1.
    public let rawValue: UInt64

    /// Creates an id.
    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    public static func < (lhs: JobID, rhs: JobID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "job-\(rawValue)" }
}

/// Where a job is.
public enum JobState: Sendable, Hashable {
    /// Waiting for the printer (unreachable, paper out, cover open, or another job first).
    case queued
    /// Being written to the printer.
    case sending
    /// Written; waiting for the printer to confirm with its `GS r 1` answer (it may be waiting for paper).
    case awaitingCompletion
    /// Printed (confirmed by `GS r 1`, or written and followed by a good status on printers without it).
    case printed
    /// Written, but the printer vanished or stayed silent before confirming: it may or may not have
    /// printed. Not sent again by itself (that could print twice): the till may ask for `reprint`.
    case unconfirmed(reason: String)
    /// Never sent: the link was closed with the job still queued.
    case abandoned
}

/// What a printer link reports.
public enum PrinterEvent: Sendable, Hashable {
    /// The printer's status changed.
    case statusChanged(PrinterStatus)
    /// A job was accepted and queued.
    case jobQueued(JobID)
    /// A job waits because the printer cannot print now.
    case jobHeld(JobID, PrinterStatus)
    /// A job's bytes have all been written.
    case jobSent(JobID)
    /// A job has printed.
    case jobPrinted(JobID)
    /// A job was written but not confirmed; see `JobState.unconfirmed`.
    case jobUnconfirmed(JobID, reason: String)
}
