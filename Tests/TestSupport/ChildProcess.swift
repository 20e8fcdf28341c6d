import Foundation

/// Runs `executable` with `arguments` to its end, waiting on a thread of its own (`offPool`);
/// returns its exit status and what it wrote to standard output and standard error, together.
public func runToEnd(_ executable: URL, _ arguments: [String]) async throws -> (status: Int32, output: String) {
    try await offPool {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
