import Foundation
import QFPay
import TestSupport

/// The QFPay client's own memory over many requests: `qfpay-sandbox` runs as a child process, so
/// this process's RSS is the client's (HTTP over SwiftNIO) alone.
func runClientMemoryBenchmark() async throws {
    let sandboxBinary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("qfpay-sandbox").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: sandboxBinary)
    process.arguments = [
        "--port", "0", "--app-code", SandboxTestCredentials.appCode, "--key", SandboxTestCredentials.key,
        // Lenient: thousands of requests a minute, far beyond the strict rate limit.
        "--mchid", SandboxTestCredentials.mchid, "--lenient",
    ]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    defer { process.terminate() }
    let handle = output.fileHandleForReading
    var firstLine = ""
    while !firstLine.contains("\n"), let byte = try handle.read(upToCount: 1), !byte.isEmpty {
        firstLine += String(decoding: byte, as: UTF8.self)
    }
    guard
        let url = firstLine.split(separator: " ").last.flatMap({
            URL(string: String($0).trimmingCharacters(in: .whitespacesAndNewlines))
        })
    else { throw TestSupportError("qfpay-sandbox did not say where it listens: \(firstLine)") }
    var configuration = QFPayConfiguration(
        environment: .custom(url), appCode: SandboxTestCredentials.appCode, key: Secret(SandboxTestCredentials.key),
        merchantID: SandboxTestCredentials.mchid)
    configuration.baseURL = url
    let client = QFPayClient(
        configuration: configuration, budget: RequestBudget(requestsPerSecond: 1_000_000, requestsPerMinute: 1_000_000))
    let numbers = OrderNumberGenerator(terminal: "M1")
    func pay(_ count: Int) async {
        for _ in 0..<count {
            _ = await client.pay(
                .barcode(outTradeNo: numbers.paymentNumber(), amount: 100, authCode: AuthCode("134676275354204254")))
        }
    }
    await pay(200)
    let start = residentKilobytes()
    await pay(5_000)
    let middle = residentKilobytes()
    await pay(5_000)
    let end = residentKilobytes()
    print(
        "client memory: RSS \(start / 1024) MB after warm-up, \(middle / 1024) MB after 5,000 payments, \(end / 1024) MB after 10,000 (\((end - start) / 10) bytes per payment)"
    )
}

private func residentKilobytes() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
}
