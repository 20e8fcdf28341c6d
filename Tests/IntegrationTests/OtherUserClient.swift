import ControlProtocol
import Foundation
import Glibc
import TestSupport

/// A control client running as another uid (the tests run as root; `setpriv` drops to `uid`,
/// keeping gid 0, which the test socket's group and directory admit). It sends the request
/// lines, reads one answer line for each, and returns the answers it got before the daemon
/// closed the connection.
enum OtherUserClient {
    static func call(socket path: String, uid: UInt32, _ requests: [String]) async throws -> [JSONValue] {
        // The harness's temporary directory is 0700 (mkdtemp): let group 0 through to the socket's
        // directory, which the daemon made 0750 itself.
        let socketDirectory = URL(fileURLWithPath: path).deletingLastPathComponent()
        chmod(socketDirectory.deletingLastPathComponent().path, 0o750)
        // All requests first, then the answers: a refused connection is answered and closed at
        // once, and its answer must still be read after a write that failed.
        let script = """
            import socket, sys
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            connection.settimeout(10)
            connection.connect(sys.argv[1])
            requests = sys.argv[2:]
            try:
                for line in requests:
                    connection.sendall(line.encode() + b"\\n")
            except OSError:
                pass
            stream = connection.makefile("rb")
            answered = 0
            try:
                for answer in stream:
                    sys.stdout.write(answer.decode())
                    answered += 1
                    if answered == len(requests):
                        break
            except OSError:
                pass
            """
        let result = try await runToEnd(
            URL(fileURLWithPath: "/usr/bin/setpriv"),
            ["--reuid=\(uid)", "--regid=0", "--clear-groups", "--", "/usr/bin/python3", "-c", script, path] + requests,
            environment: ProcessInfo.processInfo.environment.filter { $0.key != "LD_PRELOAD" })
        guard result.status == 0 else { throw TestSupportError("the uid \(uid) client failed: \(result.output)") }
        return try result.output.split(separator: "\n").map { line in
            try JSONDecoder().decode(JSONValue.self, from: Data(line.utf8))
        }
    }

    /// A request line for `method` with `id` and by-name `params`.
    static func request(_ method: String, id: Int = 1, params: String = "{}") -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(params)}"#
    }
}
