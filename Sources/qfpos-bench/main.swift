try await runScannerBenchmark()
try await runSandboxBenchmark()
