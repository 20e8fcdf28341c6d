import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real HTTP/1.1 server on 127.0.0.1 that answers each request with the next scripted reply:
/// the byte-level substitute for gateway misbehaviour the sandbox does not script (HTTP 429, a
/// reply with no signature, a kept-alive connection that drops). It records every request it
/// reads, with the connection it came on; each connection is served by a thread of its own.
final class ScriptedHTTPServer: @unchecked Sendable {
    enum Reply: Sendable {
        /// An HTTP answer, then the connection is closed (`Connection: close`).
        case answer(status: Int, headers: [String: String], body: [UInt8])
        /// An HTTP answer that keeps the connection alive: the next request is read on it.
        case keepAlive(status: Int, headers: [String: String], body: [UInt8])
        /// An HTTP answer that says keep-alive, then the connection is closed, as a gateway closes
        /// a connection it finds idle.
        case keepAliveThenClose(status: Int, headers: [String: String], body: [UInt8])
        /// Close the connection after reading the request, without answering.
        case drop
        /// Read the request and never answer (until the server stops).
        case hang
    }

    struct Request: Sendable {
        let method: String
        let path: String
        /// Header names in lower case.
        let headers: [String: String]
        let body: [UInt8]
        /// Which connection it came on: 0 for the first accepted, 1 for the next...
        var connection = 0
    }

    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var replies: [Reply]
    private var fallback: Reply
    private var recorded: [Request] = []
    private var hanging: [Int32] = []
    private var stopped = false
    private var accepted = 0
    /// Connections a thread serves now: shut down (their threads close them) on `stop()`.
    private var serving: Set<Int32> = []

    /// Listens on a free port and answers with `replies` in turn, then with `fallback`.
    init(replies: [Reply], fallback: Reply = .answer(status: 500, headers: [:], body: [])) throws {
        self.replies = replies
        self.fallback = fallback
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// `http://127.0.0.1:PORT`.
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The requests read so far.
    var requests: [Request] { lock.withLock { recorded } }

    /// Connections accepted so far.
    var connections: Int { lock.withLock { accepted } }

    /// Stops listening and closes hanging connections. The accept thread closes the listening
    /// socket itself when `shutdown` wakes it, so that its descriptor number cannot be reused by
    /// another test's socket while the thread still accepts on it.
    func stop() {
        let (wasStopped, fds, served): (Bool, [Int32], Set<Int32>) = lock.withLock {
            defer {
                stopped = true
                hanging = []
            }
            return (stopped, hanging, serving)
        }
        // Only once: after the first stop the descriptor number may belong to another socket.
        guard !wasStopped else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        for fd in served where !fds.contains(fd) { shutdown(fd, Int32(SHUT_RDWR)) }
        for fd in fds {
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
        }
    }

    deinit { stop() }

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if lock.withLock({ stopped }) { return }
                if errno == EINTR { continue }
                return
            }
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)  // never inherited by processes other tests start
            let number: Int? = lock.withLock {
                if stopped { return nil }
                serving.insert(connection)
                defer { accepted += 1 }
                return accepted
            }
            guard let number else {
                close(connection)
                return
            }
            Thread { [self] in
                let hung = serve(connection, number: number)
                // Out of `serving` before closing: the number may then name another socket.
                lock.withLock { _ = serving.remove(connection) }
                if !hung { close(connection) }
            }.start()
        }
    }

    /// Answers the requests of one connection until a reply ends it; true when it hangs (kept
    /// open until `stop()`), false when the caller closes it.
    private func serve(_ connection: Int32, number: Int) -> Bool {
        while var request = readRequest(connection) {
            request.connection = number
            let reply: Reply = lock.withLock {
                recorded.append(request)
                return replies.isEmpty ? fallback : replies.removeFirst()
            }
            switch reply {
            case .answer(let status, let headers, let body):
                answer(connection, status: status, headers: headers, body: body, keepAlive: false)
                return false
            case .keepAlive(let status, let headers, let body):
                answer(connection, status: status, headers: headers, body: body, keepAlive: true)
            case .keepAliveThenClose(let status, let headers, let body):
                answer(connection, status: status, headers: headers, body: body, keepAlive: true)
                shutdown(connection, Int32(SHUT_RDWR))
                return false
            case .drop:
                shutdown(connection, Int32(SHUT_RDWR))
                return false
            case .hang:
                return lock.withLock {
                    if stopped { return false }
                    hanging.append(connection)
                    return true
                }
            }
        }
        return false
    }

    private func answer(_ fd: Int32, status: Int, headers: [String: String], body: [UInt8], keepAlive: Bool) {
        var head = "HTTP/1.1 \(status) Scripted\r\nContent-Length: \(body.count)\r\n"
        head += keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        writeAll(fd, Array((head + "\r\n").utf8) + body)
    }

    private func readRequest(_ fd: Int32) -> Request? {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 8192)
        var headerEnd: Int?
        var contentLength = 0
        var head: [String] = []
        while true {
            if let end = headerEnd, data.count >= end + contentLength { break }
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { return nil }
            data += buffer.prefix(count)
            if headerEnd == nil, let range = Self.find([13, 10, 13, 10], in: data) {
                headerEnd = range + 4
                head = String(decoding: data[..<range], as: UTF8.self).components(separatedBy: "\r\n")
                for line in head.dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    if parts.count == 2, parts[0].lowercased() == "content-length" {
                        contentLength = Int(parts[1]) ?? 0
                    }
                    if parts.count == 2, parts[0].lowercased() == "expect" {
                        writeAll(fd, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                    }
                }
            }
        }
        let requestLine = head.first?.split(separator: " ").map(String.init) ?? []
        guard requestLine.count >= 2, let end = headerEnd else { return nil }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { headers[parts[0].lowercased()] = parts[1] }
        }
        return Request(
            method: requestLine[0], path: requestLine[1], headers: headers,
            body: Array(data[end..<(end + contentLength)]))
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written <= 0 { return }
            offset += written
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where Array(haystack[index..<index + needle.count]) == needle {
            return index
        }
        return nil
    }
}

extension ScriptedHTTPServer.Reply {
    /// A 200 answer with `body` signed with `key` (or the given signature).
    static func signed(_ body: String, key: String = Fixtures.key, signature: String? = nil) -> Self {
        let bytes = Array(body.utf8)
        let sign = signature ?? QFPaySigning.sign(bytes, key: key)
        return .answer(status: 200, headers: ["X-QF-SIGN": sign, "Content-Type": "application/json"], body: bytes)
    }

    /// A signed 200 answer that keeps the connection alive (`thenClose`: and closes it after).
    static func signedKeepingAlive(_ body: String, thenClose: Bool = false) -> Self {
        let bytes = Array(body.utf8)
        let headers = ["X-QF-SIGN": QFPaySigning.sign(bytes, key: Fixtures.key), "Content-Type": "application/json"]
        return thenClose
            ? .keepAliveThenClose(status: 200, headers: headers, body: bytes)
            : .keepAlive(status: 200, headers: headers, body: bytes)
    }
}
