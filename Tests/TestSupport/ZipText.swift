import Foundation

/// The text of every entry of a zip archive, as Python's `zipfile` reads it (an independent
/// reader: stored or deflated entries, CRCs checked), decoded as UTF-8 with or without a BOM.
/// Throws when Python cannot read the archive.
public func zipText(_ bytes: [UInt8]) async throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("qfpos-zip-\(UUID().uuidString).zip").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let script = """
        import sys, zipfile
        archive = zipfile.ZipFile(sys.argv[1])
        sys.stdout.write("".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist()))
        """
    let run = try await runToEnd(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script, path])
    guard run.status == 0 else { throw TestSupportError("zipfile cannot read the archive: \(run.output)") }
    return run.output
}
