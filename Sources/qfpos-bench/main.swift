try await runScannerBenchmark()
