import Foundation
import Testing

@testable import StatusPage

@Suite struct WebAccessTests {
    /// RFC 7914 section 11's PBKDF2-HMAC-SHA256 vectors (their first 32 bytes).
    @Test(arguments: [
        ("passwd", "salt", 1, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"),
        ("Password", "NaCl", 80000, "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"),
    ])
    func pbkdf2GivesTheRFCVectors(password: String, salt: String, iterations: Int, hash: String) {
        let derived = PasswordHash.pbkdf2(
            password: Array(password.utf8), salt: Array(salt.utf8), iterations: iterations)
        #expect(derived.map { String(format: "%02x", $0) }.joined() == hash)
    }

    @Test func malformedHashesAreRefusedWithAMessage() {
        for text in [
            "", "sha256$1000$0011223344556677$00",
            "pbkdf2-sha256$10$0011223344556677$" + String(repeating: "0", count: 64),
            "pbkdf2-sha256$1000$zz11223344556677$" + String(repeating: "0", count: 64),
            "pbkdf2-sha256$1000$0011223344556677$0011",
        ] {
            #expect(throws: WebError.self, "\(text)") { try PasswordHash(parsing: text) }
        }
    }

    @Test func offLoopbackAListenerNeedsAHashAndOnLoopbackItRefusesOtherPeers() throws {
        #expect(throws: WebError.self) { try WebAccess.forListener(host: "0.0.0.0", user: "t", passwordHash: nil) }
        #expect(throws: WebError.self) { try WebAccess.forListener(host: "192.168.1.5", user: "t", passwordHash: "") }
        let loopback = try WebAccess.forListener(host: "127.0.0.1", user: "t", passwordHash: nil)
        #expect(loopback.refusal(of: WebRequest(method: "GET", path: "/", fromLoopback: true)) == nil)
        #expect(loopback.refusal(of: WebRequest(method: "GET", path: "/", fromLoopback: false))?.status == 403)
    }

    @Test func basicAuthAcceptsOnlyTheConfiguredUserAndPassword() throws {
        // hashlib.pbkdf2_hmac("sha256", b"Password", b"NaCl....", 1000).hex()
        let hash = "pbkdf2-sha256$1000$4e61436c2e2e2e2e$" + Self.pbkdf2Hex(password: "Password", salt: "NaCl....")
        let access = try WebAccess.forListener(host: "0.0.0.0", user: "tech", passwordHash: hash)
        func status(_ credentials: String?) -> Int? {
            var headers: [String: String] = [:]
            if let credentials { headers["authorization"] = "Basic " + Data(credentials.utf8).base64EncodedString() }
            return access.refusal(of: WebRequest(method: "GET", path: "/", headers: headers, fromLoopback: false))?
                .status
        }
        #expect(status(nil) == 401)
        #expect(status("tech:wrong") == 401)
        #expect(status("other:Password") == 401)
        #expect(status("tech:Password") == nil)
        #expect(status("tech:Password") == nil, "the second time from the kept digest")
        #expect(status("tech:Password2") == 401)
    }

    /// Python's hashlib, an implementation independent of ours.
    static func pbkdf2Hex(password: String, salt: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            "-c",
            "import hashlib,sys; print(hashlib.pbkdf2_hmac('sha256', sys.argv[1].encode(), sys.argv[2].encode(), 1000).hex())",
            password, salt,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try? process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
