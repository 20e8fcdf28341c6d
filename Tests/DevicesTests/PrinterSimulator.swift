import Foundation
import Glibc
import Synchronization
import TestSupport

/// An ESC/POS printer played on the controller side of a pty: it answers `DLE EOT 1–4`, `GS r 1`
/// and Automatic Status Back (`GS a n`) as an Epson TM printer does for its current condition,
/// and records every other byte it receives (the print data).
///
/// Like a real printer, it holds `GS r 1` answers while it cannot print, and sends an ASB block
/// whenever its condition changes once ASB is enabled.
final class PrinterSimulator: Sendable {
    /// The printer's condition.
    enum Condition: Sendable, Equatable {
        case online
        case paperNearEnd
        case paperOut
        case coverOpen
        case error
        /// Switched off: answers nothing.
        case silent
    }

    private struct State {
        var condition = Condition.online
        var received: [UInt8] = []
        var pending: [UInt8] = []
        var statusRequests = 0
        var heldPaperSensorAnswers = 0
        var statusBackEnabled = false
        var answersPaperSensor = true
        var holdsPaperSensor = false
        var stopped = false
    }

    let pty: PseudoTerminal
    private let state = Mutex(State())
    private let done = DispatchSemaphore(value: 0)

    /// Starts a simulator in `condition`; with `answersPaperSensor` false it ignores `GS r 1`
    /// (a printer whose profile claims a feature it lacks).
    /// With `holdsPaperSensor` it holds `GS r 1` answers (still printing) until the next `set(_:)`.
    init(condition: Condition = .online, answersPaperSensor: Bool = true, holdsPaperSensor: Bool = false) throws {
        pty = try PseudoTerminal()
        state.withLock {
            $0.condition = condition
            $0.answersPaperSensor = answersPaperSensor
            $0.holdsPaperSensor = holdsPaperSensor
        }
        let thread = Thread { [self] in
            self.run()
            self.done.signal()
        }
        thread.start()
    }

    deinit {
        stop()
    }

    /// The path the printer link opens.
    var devicePath: String { pty.devicePath }

    /// Print data received so far (status requests removed).
    var received: [UInt8] { state.withLock { $0.received } }

    /// `GS r 1` answers held back.
    var heldPaperSensorAnswers: Int { state.withLock { $0.heldPaperSensorAnswers } }

    /// How many `DLE EOT` requests arrived.
    var statusRequests: Int { state.withLock { $0.statusRequests } }

    /// Changes the condition, answering held `GS r 1` requests and sending ASB as a printer does.
    func set(_ condition: Condition) {
        let (answers, statusBack) = state.withLock { state -> ([UInt8], Bool) in
            state.condition = condition
            state.holdsPaperSensor = false
            var answers: [UInt8] = []
            if Self.canPrint(condition) {
                answers = [UInt8](repeating: Self.paperSensorByte(condition), count: state.heldPaperSensorAnswers)
                state.heldPaperSensorAnswers = 0
            }
            return (answers, state.statusBackEnabled && condition != .silent)
        }
        var bytes: [UInt8] = []
        if statusBack { bytes += Self.statusBack(condition) }
        bytes += answers
        if !bytes.isEmpty { try? pty.write(bytes) }
    }

    /// Stops the reading thread.
    func stop() {
        let wasRunning = state.withLock { state -> Bool in
            defer { state.stopped = true }
            return !state.stopped
        }
        if wasRunning { _ = done.wait(timeout: .now() + .seconds(5)) }
    }

    private func run() {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !state.withLock({ $0.stopped }) {
            var poller = pollfd(fd: pty.controller, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { Glibc.read(pty.controller, $0.baseAddress, $0.count) }
            guard count > 0 else { continue }
            let replies = state.withLock { state -> [UInt8] in
                state.pending += buffer[0..<count]
                return Self.process(&state)
            }
            if !replies.isEmpty { try? pty.write(replies) }
        }
    }

    /// Consumes complete commands from `state.pending`; returns the bytes to answer.
    private static func process(_ state: inout State) -> [UInt8] {
        var replies: [UInt8] = []
        let bytes = state.pending
        var index = 0
        func available(_ count: Int) -> Bool { index + count <= bytes.count }
        parsing: while index < bytes.count {
            let condition = state.condition
            switch bytes[index] {
            case 0x10:
                guard available(3) else { break parsing }
                if bytes[index + 1] == 0x04 {
                    state.statusRequests += 1
                    if condition != .silent { replies.append(realtime(Int(bytes[index + 2]), condition)) }
                } else {
                    state.received += bytes[index..<(index + 3)]
                }
                index += 3
            case 0x1D:
                guard available(3) else { break parsing }
                switch bytes[index + 1] {
                case 0x72:
                    if condition == .silent || !state.answersPaperSensor {
                    } else if canPrint(condition) && !state.holdsPaperSensor {
                        replies.append(paperSensorByte(condition))
                    } else {
                        state.heldPaperSensorAnswers += 1
                    }
                    index += 3
                case 0x61:
                    state.statusBackEnabled = bytes[index + 2] != 0
                    if state.statusBackEnabled && condition != .silent { replies += statusBack(condition) }
                    index += 3
                case 0x76:
                    guard available(8) else { break parsing }
                    let count =
                        (Int(bytes[index + 4]) | Int(bytes[index + 5]) << 8)
                        * (Int(bytes[index + 6]) | Int(bytes[index + 7]) << 8)
                    guard available(8 + count) else { break parsing }
                    state.received += bytes[index..<(index + 8 + count)]
                    index += 8 + count
                case 0x28:
                    guard available(5) else { break parsing }
                    let count = Int(bytes[index + 3]) | Int(bytes[index + 4]) << 8
                    guard available(5 + count) else { break parsing }
                    state.received += bytes[index..<(index + 5 + count)]
                    index += 5 + count
                default:
                    state.received.append(bytes[index])
                    index += 1
                }
            default:
                state.received.append(bytes[index])
                index += 1
            }
        }
        state.pending = Array(bytes[index...])
        return replies
    }

    static func canPrint(_ condition: Condition) -> Bool {
        condition == .online || condition == .paperNearEnd
    }

    /// The answer to `DLE EOT n` (Epson TM: fixed bits 0xx1xx10).
    static func realtime(_ request: Int, _ condition: Condition) -> UInt8 {
        var byte: UInt8 = 0x12
        switch request {
        case 1: if !canPrint(condition) { byte |= 0x08 }
        case 2:
            if condition == .coverOpen { byte |= 0x04 }
            if condition == .paperOut { byte |= 0x20 }
            if condition == .error { byte |= 0x40 }
        case 3: if condition == .error { byte |= 0x08 }
        case 4:
            if condition == .paperNearEnd { byte |= 0x0C }
            if condition == .paperOut { byte |= 0x6C }
        default: break
        }
        return byte
    }

    static func paperSensorByte(_ condition: Condition) -> UInt8 {
        condition == .paperNearEnd ? 0x03 : condition == .paperOut ? 0x0F : 0x00
    }

    static func statusBack(_ condition: Condition) -> [UInt8] {
        var first: UInt8 = 0x10
        if !canPrint(condition) { first |= 0x08 }
        if condition == .coverOpen { first |= 0x20 }
        let second: UInt8 = condition == .error ? 0x08 : 0x00
        let third: UInt8 = condition == .paperNearEnd ? 0x03 : condition == .paperOut ? 0x0F : 0x00
        return [first, second, third, 0x00]
    }
}
