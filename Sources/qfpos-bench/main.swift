try await runPipelineBenchmark()
