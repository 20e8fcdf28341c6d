import Foundation

// `make bench`: every area's benchmark, one after the other; each prints its own figures.
// `QFPOS_BENCH=daemon,escpos` runs only the named ones.
let only = ProcessInfo.processInfo.environment["QFPOS_BENCH"].map { Set($0.split(separator: ",").map(String.init)) }
func wanted(_ name: String) -> Bool { only?.contains(name) ?? true }

if wanted("qfpay") { try await runQFPayBenchmark() }
if wanted("sandbox") { try await runSandboxBenchmark() }
if wanted("escpos") { try await runEscposBenchmark() }
if wanted("scanner") { try await runScannerBenchmark() }
if wanted("pipeline") { try await runPipelineBenchmark() }
if wanted("daemon") { try await runDaemonBenchmark() }
if wanted("daemon-monitoring") { try await runDaemonBenchmark(monitoring: true) }
if wanted("latency") { try await runLatencyBenchmark() }
if wanted("control-coding") { try await runControlCodingBenchmark() }
if wanted("client-memory") { try await runClientMemoryBenchmark() }
