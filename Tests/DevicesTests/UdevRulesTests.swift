import Foundation
import Testing

@testable import Devices

/// The rules file and the built-in table are one list: the committed file must be the rendering.
@Suite struct UdevRulesTests {
    static let rulesPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("udev/60-qfpos.rules").path

    @Test func theCommittedRulesFileIsTheRenderingOfTheDeviceTable() throws {
        let committed = try String(contentsOfFile: Self.rulesPath, encoding: .utf8)
        let rendered = UdevRules.render()
        if committed != rendered {
            let fresh = NSTemporaryDirectory() + "60-qfpos.rules"
            try rendered.write(toFile: fresh, atomically: true, encoding: .utf8)
            Issue.record("udev/60-qfpos.rules is stale: cp \(fresh) \(Self.rulesPath)")
        }
    }

    @Test func everyTableEntryHasItsRuleAndComment() {
        let rendered = UdevRules.render()
        for entry in DeviceTable.entries {
            #expect(rendered.contains("# \(entry.maker): \(entry.families)"))
            switch entry.match {
            case .vendor(let id):
                #expect(
                    rendered.contains("ATTRS{idVendor}==\"\(id.hex4)\", ENV{QFPOS_ROLE}=\"\(entry.role.rawValue)\""))
            case .manufacturer(let name):
                #expect(
                    rendered.contains("ATTRS{manufacturer}==\"\(name)*\", ENV{QFPOS_ROLE}=\"\(entry.role.rawValue)\""))
            }
        }
        #expect(rendered.contains("ENV{ID_MM_DEVICE_IGNORE}=\"1\""))
        #expect(rendered.contains("SYMLINK+=\"qfpos/scanner-"))
        #expect(rendered.contains("SYMLINK+=\"qfpos/printer-"))
        #expect(rendered.contains("ATTRS{bInterfaceClass}==\"07\", ATTRS{bInterfaceSubClass}==\"01\""))
        #expect(rendered.contains("GROUP=\"qfpos\", MODE=\"0660\""))
    }

    @Test func everyRuleLineIsWellFormedForUdev() {
        for line in UdevRules.render().split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            // key op "value" pairs separated by ", ": quotes balanced, no stray characters.
            #expect(line.filter { $0 == "\"" }.count % 2 == 0, "unbalanced quotes: \(line)")
            for pair in line.components(separatedBy: ", ") {
                #expect(
                    pair.range(of: #"^[A-Z_]+(\{[A-Za-z0-9_]+\})?(==|!=|=|\+=)".*"$"#, options: .regularExpression)
                        != nil, "bad pair: \(pair)")
            }
        }
    }
}
