// `make bench`: every area's benchmark, one after the other; each prints its own figures.
try await runEscposBenchmark()
try await runScannerBenchmark()
try await runPipelineBenchmark()
try await runDaemonBenchmark()
