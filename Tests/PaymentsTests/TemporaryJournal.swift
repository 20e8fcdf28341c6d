import Foundation

@testable import Payments

/// A journal in its own temporary directory, removed when the test is done with it.
final class TemporaryJournal: Sendable {
    let directory: URL
    let path: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "qfpos-payments-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("journal.sqlite").path
    }

    /// Opens (another connection pool on) the same journal file.
    func open() throws -> Journal { try Journal(path: path) }

    deinit { try? FileManager.default.removeItem(at: directory) }
}
