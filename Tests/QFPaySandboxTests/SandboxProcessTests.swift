import Foundation
import QFPay
import QFPaySandbox
import TestSupport
import Testing

/// Runs `executable` with `arguments`; returns its exit status and standard output.
func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = try await offPool {
        let data = try output.fileHandleForReading.readToEnd() ?? Data()
        process.waitUntilExit()
        return data
    }
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The directory holding the package's built products (`.build/debug`).
func productsDirectory() -> URL {
    var url = Bundle.module.bundleURL.deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: url.appendingPathComponent("qfpay-sandbox").path),
        url.path != "/"
    {
        url = url.deletingLastPathComponent()
    }
    return url
}

@Suite("The qfpay-sandbox command and the Python sample client")
struct SandboxProcessTests {
    @Test func theCommandsFirstLineNamesAFreePortThatAnswersSignedRequests() async throws {
        let binary = productsDirectory().appendingPathComponent("qfpay-sandbox").path
        #expect(FileManager.default.isExecutableFile(atPath: binary), "build the package first: \(binary)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--port", "0", "--app-code", "CLIAPPCODE", "--key", "CLIKEY0123456789", "--mchid", "CLIMCH",
            "--cancel-unsupported", "800108=no-syssn", "--time-scale", "60",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var stopped = false
        defer {
            if !stopped { process.terminate() }
        }
        let line = try await offPool { () -> String in
            var bytes: [UInt8] = []
            while let byte = try output.fileHandleForReading.read(upToCount: 1)?.first, byte != 10 {
                bytes.append(byte)
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        let match = try #require(line.wholeMatch(of: try Regex(#"listening on http://127\.0\.0\.1:(\d+)"#)))
        let port = try #require(Int(match.output[1].substring ?? ""))
        #expect(port > 0)

        let client = SandboxTestClient(
            baseURL: URL(string: "http://127.0.0.1:\(port)")!, appCode: "CLIAPPCODE", key: "CLIKEY0123456789")
        let answer = try await client.call("/trade/v1/query", ["mchid": "CLIMCH"])
        #expect(answer["respcd"] as? String == "0000")
        var payment = SandboxTestClient.barcodePayment(amount: 10, authCode: "285123456789012345")
        payment["mchid"] = "CLIMCH"
        let paid = try await client.call("/trade/v1/payment", payment)
        let closed = try await client.call(
            "/trade/v1/close",
            ["mchid": "CLIMCH", "syssn": paid["syssn"] as! String, "txamt": "10", "txdtm": SandboxTestClient.now()])
        #expect(closed["respcd"] as? String == "0000")
        #expect(closed["syssn"] == nil)
        process.terminate()
        await offPool { process.waitUntilExit() }
        stopped = true
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }

    @Test(arguments: [
        ["--cancel-unsupported", "999999"], ["--bill-language", "fr"], ["--bill-encoding", "latin1"],
        ["--bill-compression", "bzip2"], ["--revoke-window", "-1"],
    ])
    func theCommandRefusesBadOptions(arguments: [String]) async throws {
        let binary = productsDirectory().appendingPathComponent("qfpay-sandbox").path
        let result = try await run(binary, arguments)
        #expect(result.status != 0)
        #expect(result.output.isEmpty)
    }

    /// Starts the command with `arguments`, sends a payment without `goods_name` and a query with a
    /// wrong signature; returns the payment's respcd and whether the 1108 answer was signed.
    private func strictness(_ arguments: [String]) async throws -> (payment: String?, signedError: Bool) {
        let binary = productsDirectory().appendingPathComponent("qfpay-sandbox").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--port", "0"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        let line = try await offPool { () -> String in
            var bytes: [UInt8] = []
            while let byte = try output.fileHandleForReading.read(upToCount: 1)?.first, byte != 10 {
                bytes.append(byte)
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        let port = try #require(line.split(separator: ":").last.flatMap { Int($0) }, "\(line)")
        let client = SandboxTestClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!)
        let payment = try await client.call(
            "/trade/v1/payment",
            SandboxTestClient.barcodePayment(amount: 10, authCode: "134676275354204254", goodsName: nil))
        let refused = try await client.post(
            "/trade/v1/query", ["mchid": SandboxTestCredentials.mchid], signature: String(repeating: "0", count: 32))
        return (payment["respcd"] as? String, refused.header("X-QF-SIGN") != nil)
    }

    @Test func theCommandIsStrictByDefaultAndLenientOnRequest() async throws {
        let strict = try await strictness([])
        #expect(strict.payment == "1104")
        #expect(!strict.signedError)
        let lenient = try await strictness(["--lenient"])
        #expect(lenient.payment == "0000")
        #expect(lenient.signedError)
    }
}
