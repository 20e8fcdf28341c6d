import Foundation

/// Runs `executable` with `arguments` to its end, waiting on a thread of its own (`offPool`);
/// returns its exit status and what it wrote to standard output and standard error, together.
/// `environment`: the child's whole environment (the test process's when nil).
public func runToEnd(
    _ executable: URL, _ arguments: [String], environment: [String: String]? = nil
) async throws -> (status: Int32, output: String) {
    try await offPool {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// Starts `argv[0]` with `argv` and `environment` (`NAME=value` entries) as systemd would start a
/// daemon: no signal blocked, default dispositions for SIGTERM, SIGINT, SIGHUP and SIGPIPE,
/// whatever the calling thread blocks. Standard error is appended to `stderrPath`; `dup2` pairs
/// (from, to) hand descriptors down (an inherited listening socket); standard output goes to
/// /dev/null unless `keepStandardOutput`. Returns the child's pid.
public func spawnDaemon(
    _ argv: [String], environment: [String], stderrPath: String, dup2 pairs: [(Int32, Int32)] = [],
    keepStandardOutput: Bool = false
) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
    if !keepStandardOutput { posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) }
    for (from, to) in pairs { posix_spawn_file_actions_adddup2(&actions, from, to) }
    let cArguments = argv.map { strdup($0) } + [nil]
    let cEnvironment = environment.map { strdup($0) } + [nil]
    defer {
        cArguments.forEach { free($0) }
        cEnvironment.forEach { free($0) }
    }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attributes, &none)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signalNumber in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signalNumber) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let status = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
    guard status == 0 else { throw TestSupportError("cannot start \(argv[0]): posix_spawn \(status)") }
    return pid
}
