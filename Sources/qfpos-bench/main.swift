try await runQFPayBenchmark()
