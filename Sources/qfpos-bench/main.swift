try await runEscposBenchmark()
