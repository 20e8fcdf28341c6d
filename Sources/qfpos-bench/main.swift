try await runScannerBenchmark()
try await runEscposBenchmark()
