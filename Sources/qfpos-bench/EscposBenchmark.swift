import ESCPOS
import Foundation

/// `make bench`, ESC/POS part: encodes the dynamic-QR prompt and a sale receipt with a QR code,
/// native (`GS ( k`) and raster (`GS v 0`), with qfpos and with python-escpos 3.1
/// (`scripts/bench-escpos.py`, in a throw-away venv), and prints time per receipt, bytes on the
/// wire, and the time those bytes take on a 9600 and a 115200 baud serial line (8N1: 10 bits a byte).
func runEscposBenchmark() async throws {
    let url = "https://qr.qfpay.example/q/20261127000300020012345678"
    let profile = try PrinterProfile.named("epson-tm-t88-jp")
    struct Case {
        var name: String
        var pythonKey: String?
        var content: ReceiptContent
        var raster: Bool
    }
    let cases = [
        Case(
            name: "qr-prompt native (en)", pythonKey: "qr-prompt-native",
            content: .sample(.qrPrompt, language: .en, qrURL: url), raster: false),
        Case(
            name: "qr-prompt raster (en)", pythonKey: "qr-prompt-raster",
            content: .sample(.qrPrompt, language: .en, qrURL: url), raster: true),
        Case(
            name: "sale + QR native (en)", pythonKey: "sale-native",
            content: .sample(.sale, language: .en, qrURL: url), raster: false),
        Case(
            name: "sale + QR raster (en)", pythonKey: "sale-raster",
            content: .sample(.sale, language: .en, qrURL: url), raster: true),
        Case(
            name: "qr-prompt native (ja+en)", pythonKey: nil,
            content: .sample(.qrPrompt, language: .jaEn, qrURL: url), raster: false),
        Case(
            name: "sale + QR native (ja+en)", pythonKey: nil,
            content: .sample(.sale, language: .jaEn, qrURL: url), raster: false),
    ]

    let python = runPythonEscpos()
    print("ESC/POS encoding, profile \(profile.name) (80 mm); python-escpos: \(python.version)")
    print(
        pad("case", 26) + pad("qfpos µs", 10) + pad("py µs", 10) + pad("faster", 8) + pad("qfpos B", 9)
            + pad("py B", 8) + pad("9600 qfpos/py ms", 18) + "115200 qfpos/py ms")
    for testCase in cases {
        let renderer = ReceiptRenderer(profile: profile, options: .init(rasterQR: testCase.raster))
        let bytes = try renderer.render(testCase.content)
        let iterations = testCase.raster ? 2_000 : 20_000
        var sink = 0
        for _ in 0..<(iterations / 10) { sink &+= try renderer.render(testCase.content).count }
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for _ in 0..<iterations { sink &+= try renderer.render(testCase.content).count }
        }
        precondition(sink > 0)
        let micros = seconds(elapsed) * 1e6 / Double(iterations)
        let reference = testCase.pythonKey.flatMap { python.cases[$0] }
        let speedUp = reference.map { String(format: "%.0fx", $0.microseconds / micros) } ?? "-"
        print(
            pad(testCase.name, 26) + pad(String(format: "%.1f", micros), 10)
                + pad(reference.map { String(format: "%.0f", $0.microseconds) } ?? "-", 10) + pad(speedUp, 8)
                + pad("\(bytes.count)", 9) + pad(reference.map { "\($0.bytes)" } ?? "-", 8)
                + pad(wire(bytes.count, reference?.bytes, baud: 9_600), 18)
                + wire(bytes.count, reference?.bytes, baud: 115_200))
    }
}

private struct PythonEscpos {
    struct Figures {
        var microseconds: Double
        var bytes: Int
    }

    var version: String
    var cases: [String: Figures]
}

/// Runs `scripts/bench-escpos.py` (which makes its venv and installs python-escpos 3.1 first).
private func runPythonEscpos() -> PythonEscpos {
    let script = URL(fileURLWithPath: "scripts/bench-escpos.py")
    guard FileManager.default.fileExists(atPath: script.path) else {
        return PythonEscpos(version: "not run (scripts/bench-escpos.py not found; run from the repository)", cases: [:])
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script.path]
    let output = Pipe()
    process.standardOutput = output
    do {
        try process.run()
    } catch {
        return PythonEscpos(version: "not run (\(error))", cases: [:])
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0,
        let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    else {
        return PythonEscpos(version: "not run (bench-escpos.py exited with \(process.terminationStatus))", cases: [:])
    }
    var cases: [String: PythonEscpos.Figures] = [:]
    for (key, value) in object {
        guard let figures = value as? [String: Any], let micros = figures["microseconds"] as? Double,
            let bytes = figures["bytes"] as? Int
        else { continue }
        cases[key] = PythonEscpos.Figures(microseconds: micros, bytes: bytes)
    }
    return PythonEscpos(version: "\(object["version"] ?? "?") on Python \(object["python"] ?? "?")", cases: cases)
}

private func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Milliseconds `count` bytes take at `baud` with 8N1 framing, for qfpos and python-escpos.
private func wire(_ count: Int, _ reference: Int?, baud: Int) -> String {
    let ours = String(format: "%.0f", Double(count * 10) / Double(baud) * 1_000)
    guard let reference else { return ours }
    return ours + "/" + String(format: "%.0f", Double(reference * 10) / Double(baud) * 1_000)
}

private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}
