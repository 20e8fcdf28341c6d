import Devices
import ESCPOS
import Foundation
import Testing

@Suite("Printer link over a pty printer")
struct PrinterLinkTests {
    typealias Support = PrinterTestSupport

    @Test("a job prints once, confirmed by GS r 1")
    func printsOnce() async throws {
        let printer = try PrinterSimulator()
        defer { printer.stop() }
        let link = try Support.link(printer.devicePath)
        defer { link.close() }
        let job = Support.job("hello")
        let id = link.submit(job)
        #expect(await Support.eventually { link.state(of: id) == .printed })
        #expect(printer.received == job.bytes)
        #expect(link.pendingJobs.isEmpty)
        #expect(link.status.canPrint)
    }

    @Test("a printer out of paper keeps the job until it is back online, then prints it exactly once")
    func paperOutHoldsJob() async throws {
        let printer = try PrinterSimulator(condition: .paperOut)
        defer { printer.stop() }
        let link = try Support.link(printer.devicePath)
        defer { link.close() }
        let events = link.events()
        let job = Support.job("after paper")
        let id = link.submit(job)
        #expect(await Support.eventually { link.status.paperOut })
        // Several status rounds while out of paper: nothing is sent.
        let requests = printer.statusRequests
        #expect(await Support.eventually { printer.statusRequests >= requests + 12 })
        #expect(printer.received.isEmpty)
        #expect(link.state(of: id) == .queued)
        #expect(link.pendingJobs == [id])

        printer.set(.online)
        #expect(await Support.eventually { link.state(of: id) == .printed })
        let after = printer.statusRequests
        #expect(await Support.eventually { printer.statusRequests >= after + 12 })
        #expect(printer.received == job.bytes)

        link.close()
        var seen: [PrinterEvent] = []
        for await event in events { seen.append(event) }
        #expect(seen.contains(.jobQueued(id)))
        #expect(
            seen.contains { if case .jobHeld(id, let status) = $0 { return status.paperOut } else { return false } })
        #expect(seen.filter { $0 == .jobPrinted(id) }.count == 1)
        let statuses = seen.compactMap { if case .statusChanged(let status) = $0 { return status } else { return nil } }
        #expect(statuses.contains { $0.paperOut })
        #expect(statuses.last?.canPrint == true)
    }

    @Test("an open cover holds jobs, which print in order when it closes")
    func coverOpen() async throws {
        let printer = try PrinterSimulator(condition: .coverOpen)
        defer { printer.stop() }
        let link = try Support.link(printer.devicePath)
        defer { link.close() }
        let first = Support.job("first")
        let second = Support.job("second")
        let ids = [link.submit(first), link.submit(second)]
        #expect(await Support.eventually { link.status.coverOpen })
        #expect(printer.received.isEmpty)
        printer.set(.online)
        #expect(await Support.eventually { ids.allSatisfy { link.state(of: $0) == .printed } })
        #expect(printer.received == first.bytes + second.bytes)
    }

    @Test("a job submitted as the paper runs out prints once when paper is loaded")
    func paperRunsOutMidJob() async throws {
        let printer = try PrinterSimulator()
        defer { printer.stop() }
        let link = try Support.link(printer.devicePath)
        defer { link.close() }
        #expect(await Support.eventually { link.status.canPrint })
        printer.set(.paperOut)  // the link has not seen it yet: the job may go out
        let job = Support.job("mid job")
        let id = link.submit(job)
        #expect(await Support.eventually { link.status.paperOut })
        let state = link.state(of: id)
        #expect(state == .queued || state == .awaitingCompletion)
        printer.set(.online)
        #expect(await Support.eventually { link.state(of: id) == .printed })
        #expect(printer.received == job.bytes)
    }

    @Test("a printer that stops answering is reported unreachable and its jobs wait")
    func silentPrinter() async throws {
        let printer = try PrinterSimulator(condition: .silent)
        defer { printer.stop() }
        let link = try Support.link(printer.devicePath)
        defer { link.close() }
        let job = Support.job("when back")
        let id = link.submit(job)
        #expect(await Support.eventually { printer.statusRequests >= 8 })
        #expect(!link.status.reachable)
        #expect(link.state(of: id) == .queued)
        #expect(printer.received.isEmpty)
        printer.set(.online)
        #expect(await Support.eventually { link.state(of: id) == .printed })
        #expect(printer.received == job.bytes)
    }

    @Test("a printer that is not there yet is waited for, and prints when it appears")
    func vanishedPrinter() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qfpos-printer-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ttyPRINTER").path
        let link = try Support.link(path)
        defer { link.close() }
        let job = Support.job("plugged in")
        let id = link.submit(job)
        #expect(await Support.eventually { link.status == PrinterStatus(reachable: false, online: false) })
        #expect(link.state(of: id) == .queued)

        let printer = try PrinterSimulator()
        defer { printer.stop() }
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: printer.devicePath)
        #expect(await Support.eventually { link.state(of: id) == .printed })
        #expect(printer.received == job.bytes)
    }

    @Test("a second link cannot write to a printer another link holds")
    func oneWriter() async throws {
        let printer = try PrinterSimulator()
        defer { printer.stop() }
        let first = try Support.link(printer.devicePath)
        defer { first.close() }
        #expect(await Support.eventually { first.status.canPrint })
        let second = try Support.link(printer.devicePath)
        defer { second.close() }
        let id = second.submit(Support.job("intruder"))
        try await Task.sleep(for: .milliseconds(200))
        #expect(!second.status.reachable)
        #expect(second.state(of: id) == .queued)
        #expect(printer.received.isEmpty)
        let left = second.close()
        #expect(left.map(\.0) == [id])
        #expect(second.state(of: id) == .abandoned)
    }

    @Test("reprint sends a finished job's bytes again as a new job")
    func reprint() async throws {
        let printer = try PrinterSimulator()
        defer { printer.stop() }
        let link = try Support.link(printer.devicePath)
        defer { link.close() }
        let job = Support.job("copy")
        let id = link.submit(job)
        #expect(await Support.eventually { link.state(of: id) == .printed })
        let copy = try #require(link.reprint(id))
        #expect(copy > id)
        #expect(await Support.eventually { link.state(of: copy) == .printed })
        #expect(printer.received == job.bytes + job.bytes)
        #expect(link.reprint(JobID(rawValue: 999)) == nil)
    }

    @Test("a printer without status commands gets the job without any status request")
    func noStatusProfile() async throws {
        let printer = try PrinterSimulator()
        defer { printer.stop() }
        let link = try Support.link(printer.devicePath, profile: "generic-58")
        defer { link.close() }
        let job = Support.job("plain")
        let id = link.submit(job)
        #expect(await Support.eventually { link.state(of: id) == .printed })
        // Without GS r 1 the link cannot know when the printer has read the bytes: wait for them.
        #expect(await Support.eventually { printer.received == job.bytes })
        #expect(printer.statusRequests == 0)
    }

    @Test("a job whose completion never comes is reported unconfirmed and is not sent again")
    func unconfirmedJob() async throws {
        let printer = try PrinterSimulator(answersPaperSensor: false)
        defer { printer.stop() }
        var options = Support.fastOptions
        options.completionTimeoutMilliseconds = 300
        let link = try Support.link(printer.devicePath, options: options)
        defer { link.close() }
        let job = Support.job("maybe printed")
        let id = link.submit(job)
        #expect(await Support.eventually { if case .unconfirmed = link.state(of: id) { true } else { false } })
        let requests = printer.statusRequests
        #expect(await Support.eventually { printer.statusRequests >= requests + 12 })
        #expect(printer.received == job.bytes)
        let copy = try #require(link.reprint(id))
        #expect(await Support.eventually { link.state(of: copy) != .queued && link.state(of: copy) != .sending })
        #expect(await Support.eventually { printer.received == job.bytes + job.bytes })
    }

    @Test("paper running out after the job was sent keeps it awaiting completion, however long, and it is never resent")
    func paperOutMidJob() async throws {
        let printer = try PrinterSimulator(holdsPaperSensor: true)
        defer { printer.stop() }
        var options = Support.fastOptions
        options.completionTimeoutMilliseconds = 3_000
        let link = try Support.link(printer.devicePath, options: options)
        defer { link.close() }
        let job = Support.job("long job")
        let id = link.submit(job)
        #expect(await Support.eventually { link.state(of: id) == .awaitingCompletion })
        #expect(await Support.eventually { printer.heldPaperSensorAnswers == 1 })
        printer.set(.paperOut)  // the printer stops with the job in its buffer
        #expect(await Support.eventually { link.status.paperOut })
        // Out of paper for longer than the completion timeout: the job must still be awaited.
        try await Task.sleep(for: .seconds(4))
        #expect(link.state(of: id) == .awaitingCompletion)
        #expect(printer.received == job.bytes)
        printer.set(.online)
        #expect(await Support.eventually { link.state(of: id) == .printed })
        #expect(printer.received == job.bytes)
    }
}
