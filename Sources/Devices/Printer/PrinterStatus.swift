/// What a printer reports about itself, merged from real-time status (`DLE EOT 1–4`), Automatic
/// Status Back and `GS r 1` answers, plus whether it can be reached at all.
public struct PrinterStatus: Sendable, Hashable, CustomStringConvertible {
    /// The device is open (or the socket connected) and, when the profile has real-time status, answers.
    public var reachable: Bool
    /// The printer says it is online (`DLE EOT 1` bit 3 clear).
    public var online: Bool
    /// The cover is open.
    public var coverOpen: Bool
    /// The roll is nearly used up; printing continues.
    public var paperNearEnd: Bool
    /// No paper: printing has stopped.
    public var paperOut: Bool
    /// An error: autocutter, mechanical, unrecoverable, or auto-recoverable (head too hot).
    public var error: Bool
    /// The drawer kick-out connector pin 3 level (drawer open on most drawers), when reported.
    public var drawerSignal: Bool?

    /// A printer that answered nothing yet.
    public static let unknown = PrinterStatus(reachable: false, online: false)

    /// A printer that is ready.
    public static let ready = PrinterStatus(reachable: true, online: true)

    /// Creates a status.
    public init(
        reachable: Bool, online: Bool, coverOpen: Bool = false, paperNearEnd: Bool = false, paperOut: Bool = false,
        error: Bool = false, drawerSignal: Bool? = nil
    ) {
        self.reachable = reachable
        self.online = online
        self.coverOpen = coverOpen
        self.paperNearEnd = paperNearEnd
        self.paperOut = paperOut
        self.error = error
        self.drawerSignal = drawerSignal
    }

    /// Whether a job sent now would print.
    public var canPrint: Bool { reachable && online && !coverOpen && !paperOut && !error }

    /// Short words for logs and the till: `online`, `paper out, cover open`, `unreachable`.
    public var description: String {
        guard reachable else { return "unreachable" }
        var words: [String] = []
        if coverOpen { words.append("cover open") }
        if paperOut { words.append("paper out") }
        if error { words.append("error") }
        if !online && words.isEmpty { words.append("offline") }
        if words.isEmpty { words.append("online") }
        if paperNearEnd { words.append("paper near end") }
        return words.joined(separator: ", ")
    }
}
