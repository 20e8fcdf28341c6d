import Devices
import Foundation
import Testing

@Suite struct ConfigurationTests {
    @Test func aJSONConfigurationDecodesEveryKindOfMatch() throws {
        let json = """
            {"devices": [
              {"name": "front", "role": "scanner", "match": {"usb": "0c2e:0b61"},
               "scanner": {"keyboardLayout": "jp", "terminator": "crlf", "baudRate": 115200, "prefix": "QF:"}},
              {"name": "any-honeywell", "role": "scanner", "match": {"usb": "0C2E"}},
              {"name": "back", "role": "scanner", "match": {"serial": "17035B2A6E"}},
              {"name": "byid", "role": "printer", "match": {"path": "/dev/serial/by-id/usb-EPSON-if00"}},
              {"name": "rs232", "role": "scanner", "match": {"static": "/dev/ttyS0"}, "scanner": {"terminator": "none"}},
              {"name": "net", "role": "printer", "match": {"network": "192.168.1.50:9100"}}
            ], "defaultScanner": {"interCharacterTimeoutMilliseconds": 80}}
            """
        let configuration = try JSONDecoder().decode(DevicesConfiguration.self, from: Data(json.utf8))
        #expect(
            configuration.devices.map(\.match) == [
                .usb(vendorID: 0x0c2e, productID: 0x0b61), .usb(vendorID: 0x0c2e, productID: nil),
                .serialNumber("17035B2A6E"), .devicePath("/dev/serial/by-id/usb-EPSON-if00"), .staticPath("/dev/ttyS0"),
                .network(host: "192.168.1.50", port: 9100),
            ])
        let front = try #require(configuration.devices.first?.scanner)
        #expect(front.keyboardLayout == "jp")
        #expect(front.terminator == .crlf)
        #expect(front.baudRate == 115_200)
        #expect(front.dataBits == 8)
        #expect(configuration.devices[4].scanner?.terminator == nil)
        #expect(configuration.defaultScanner.interCharacterTimeoutMilliseconds == 80)
        #expect(configuration.staticDevices.map(\.node) == ["/dev/ttyS0", "192.168.1.50:9100"])
        #expect(configuration.staticDevices.map(\.transport) == [.serial, .network])
        // It survives a round trip.
        let again = try JSONDecoder().decode(
            DevicesConfiguration.self, from: try JSONEncoder().encode(configuration))
        #expect(again == configuration)
    }

    @Test(arguments: [
        #"{"devices": [{"name": "x", "role": "scanner", "match": {"usb": "zz:01"}}]}"#,
        #"{"devices": [{"name": "x", "role": "scanner", "match": {"network": "host-without-port"}}]}"#,
        #"{"devices": [{"name": "x", "role": "scanner", "match": {}}]}"#,
        #"{"defaultScanner": {"baudRate": 12345}}"#,
        #"{"defaultScanner": {"dataBits": 9}}"#,
    ])
    func malformedConfigurationsAreRefused(json: String) {
        #expect(throws: (any Error).self) {
            _ = try JSONDecoder().decode(DevicesConfiguration.self, from: Data(json.utf8))
        }
    }
}
