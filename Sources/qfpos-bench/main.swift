try await runScannerBenchmark()
try await runPipelineBenchmark()
