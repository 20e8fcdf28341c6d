import Devices
import ESCPOS
import Foundation
import Glibc
import Synchronization
import Testing

/// A raw-port (9100) network printer on 127.0.0.1: accepts one connection at a time and records
/// what it receives.
final class NetworkPrinterStub: Sendable {
    let port: Int
    private let listener: Int32
    private let received = Mutex<[UInt8]>([])
    private let stopped = Mutex(false)
    private let done = DispatchSemaphore(value: 0)

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && listen(descriptor, 4) == 0
                    && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw PrinterError(.openFailed, "cannot listen on 127.0.0.1")
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in
            self.serve()
            self.done.signal()
        }
        thread.start()
    }

    var bytes: [UInt8] { received.withLock { $0 } }

    func stop() {
        stopped.withLock { $0 = true }
        _ = done.wait(timeout: .now() + .seconds(5))
        close(listener)
    }

    private func serve() {
        while !stopped.withLock({ $0 }) {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4_096)
            while !stopped.withLock({ $0 }) {
                var reader = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
                guard poll(&reader, 1, 50) > 0 else { continue }
                let count = buffer.withUnsafeMutableBytes { read(connection, $0.baseAddress, $0.count) }
                guard count > 0 else { break }
                received.withLock { $0 += buffer[0..<count] }
            }
            close(connection)
        }
    }
}

@Suite("Printer link over TCP and USB printer nodes")
struct PrinterNetworkTests {
    typealias Support = PrinterTestSupport

    @Test("a network printer on its raw port receives the job")
    func networkPrinter() async throws {
        let printer = try NetworkPrinterStub()
        defer { printer.stop() }
        let link = PrinterLink(
            endpoint: .network(host: "127.0.0.1", port: printer.port), profile: try .named("generic-80"),
            logger: Support.quietLogger, options: Support.fastOptions)
        defer { link.close() }
        let job = Support.job("over tcp")
        let id = link.submit(job)
        #expect(await Support.eventually { link.state(of: id) == .printed })
        #expect(await Support.eventually { printer.bytes == job.bytes })
    }

    @Test("a network printer that refuses connections is unreachable and the job waits")
    func refusedConnection() async throws {
        let printer = try NetworkPrinterStub()
        let port = printer.port
        printer.stop()  // nobody listens on the port any more
        let link = PrinterLink(
            endpoint: .network(host: "127.0.0.1", port: port), profile: try .named("generic-80"),
            logger: Support.quietLogger, options: Support.fastOptions)
        let id = link.submit(Support.job("nobody home"))
        #expect(await Support.eventually { link.status == PrinterStatus(reachable: false, online: false) })
        #expect(link.state(of: id) == .queued)
        #expect(link.close().map(\.0) == [id])
    }

    @Test("a USB printer-class node is driven like a serial line, with DLE EOT status")
    func usbNode() async throws {
        let printer = try PrinterSimulator(condition: .paperOut)
        defer { printer.stop() }
        let link = PrinterLink(
            endpoint: .usbPrinter(path: printer.devicePath), profile: try .named("epson-tm-m30-jp"),
            logger: Support.quietLogger, options: Support.fastOptions)
        defer { link.close() }
        let job = Support.job("usb")
        let id = link.submit(job)
        #expect(await Support.eventually { link.status.paperOut })
        #expect(printer.received.isEmpty)
        printer.set(.online)
        #expect(await Support.eventually { link.state(of: id) == .printed })
        #expect(printer.received == job.bytes)
    }
}
