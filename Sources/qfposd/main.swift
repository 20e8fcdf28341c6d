import ArgumentParser
import BuildVersion
import Dispatch
import Foundation
import LatencyTrace
import Logging
import NIOCore
import QFPOSDaemon
import Synchronization

/// `qfposd`: the QFPay point-of-sale daemon. Argument parsing and wiring only.
///
/// A synchronous command whose `run` parks the main thread while the daemon runs on Swift's
/// concurrency pool: an `AsyncParsableCommand` ends the main thread in `dispatch_main()`, whose
/// `pthread_exit` unwinds the thread's stack through the unwind tables and a dlopen'ed libgcc_s
/// (0.6 MB of the daemon's resident memory, for a thread that then does nothing).
@main
struct QFPOSD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qfposd",
        abstract: "The QFPay point-of-sale daemon: scanners, printers and the till's control socket.",
        discussion: """
            Settings come from the YAML file and QFPOS_* environment overrides \
            (control.socket_path → QFPOS_CONTROL_SOCKET_PATH). The QFPay key is read from \
            $CREDENTIALS_DIRECTORY/qfpay-key or gateway.key_file (mode 0600), never from here.
            """,
        version: BuildVersion.version)

    @Option(name: .long, help: "The configuration file.")
    var config = DaemonConfiguration.defaultPath

    @Flag(name: .long, help: "Check the configuration and the key file, explain any problem, and exit.")
    var checkConfig = false

    @Flag(name: .long, help: "List candidate scanners and printers once, with the reason for each role, and exit.")
    var listDevices = false

    @Flag(name: .long, help: "With --list-devices: print JSON.")
    var json = false

    func run() throws {
        // One event loop: the daemon's sockets (the till's connections, QFPay's HTTPS) are few.
        NIOSingletons.groupLoopCountSuggestion = 1
        try runParkingMainThread { [self] in try await runDaemon() }
    }

    func runDaemon() async throws {
        let environment = ProcessInfo.processInfo.environment
        if listDevices {
            let code = await DeviceListing.run(configPath: config, environment: environment, json: json)
            throw ExitCode(code)
        }
        if checkConfig {
            let report = await ConfigurationCheck.run(configPath: config, environment: environment)
            print(report.text, terminator: "")
            throw report.isValid ? ExitCode.success : ExitCode(78)  // EX_CONFIG
        }
        MemoryTrimmer.configureAllocator()
        let startup: DaemonStartup
        do {
            startup = try await DaemonStartup.prepare(configPath: config, environment: environment)
        } catch {
            // `<3>`: an error in the journal. The message names the key or file to fix, never the key.
            FileHandle.standardError.write(Data("<3>qfposd: \(error)\n".utf8))
            throw ExitCode(DaemonExitStatus.forStartFailure(error))
        }
        let daemon = startup.daemon
        let signals = SignalCommands(daemon: daemon)
        defer { LatencyTrace.write() }
        try await daemon.run()
        withExtendedLifetime(signals) {}
    }
}

/// Runs `body` on Swift's concurrency pool and waits for it on the calling thread.
private func runParkingMainThread(_ body: @escaping @Sendable () async throws -> Void) throws {
    let outcome = Mutex<Result<Void, any Error>>(.success(()))
    let finished = DispatchSemaphore(value: 0)
    Task {
        do { try await body() } catch { outcome.withLock { $0 = .failure(error) } }
        finished.signal()
    }
    finished.wait()
    try outcome.withLock { $0 }.get()
}

/// Turns SIGTERM and SIGINT into a drain and SIGHUP into a reload, through Dispatch signal
/// sources (the signals are ignored so that only the sources see them).
final class SignalCommands {
    private let sources: [any DispatchSourceSignal]

    init(daemon: Daemon) {
        // A parent may have started us with these blocked (posix_spawn passes its thread's
        // mask on); systemd does not, but a blocked SIGTERM would make qfposd unstoppable.
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        for signalNumber in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&unblocked, signalNumber) }
        pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
        let queue = DispatchQueue(label: "qfposd.signals")
        sources = [(SIGTERM, Daemon.Command.stop), (SIGINT, .stop), (SIGHUP, .reload)].map { signalNumber, command in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { daemon.send(command) }
            source.resume()
            return source
        }
    }
}
