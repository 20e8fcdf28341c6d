import Devices
import Testing

@Suite("Printer status parsing")
struct PrinterStatusParserTests {
    func realtime(_ answers: [UInt8]) -> PrinterStatus {
        var parser = PrinterStatusParser()
        for request in 1...answers.count { parser.expectRealtime(request) }
        _ = parser.feed(answers)
        return parser.status
    }

    @Test("DLE EOT 1–4 answers of a ready printer mean online")
    func online() {
        let status = realtime([0x12, 0x12, 0x12, 0x12])
        #expect(status.canPrint)
        #expect(status.description == "online")
        #expect(status.drawerSignal == false)
    }

    @Test("offline with the cover open")
    func coverOpen() {
        let status = realtime([0x1A, 0x16, 0x12, 0x12])
        #expect(!status.online)
        #expect(status.coverOpen)
        #expect(!status.canPrint)
        #expect(status.description == "cover open")
    }

    @Test("paper out from the offline cause and the roll sensor")
    func paperOut() {
        let status = realtime([0x1A, 0x32, 0x12, 0x72])
        #expect(status.paperOut)
        #expect(!status.canPrint)
        #expect(status.description == "paper out")
        // The roll sensor alone is enough.
        #expect(realtime([0x12, 0x12, 0x12, 0x72]).paperOut)
    }

    @Test("paper near end still prints")
    func nearEnd() {
        let status = realtime([0x12, 0x12, 0x12, 0x1E])
        #expect(status.paperNearEnd)
        #expect(status.canPrint)
        #expect(status.description == "online, paper near end")
    }

    @Test("errors from the offline cause or the error cause (autocutter, unrecoverable, overheat)")
    func errors() {
        #expect(realtime([0x1A, 0x52, 0x12, 0x12]).error)
        for errorBit: UInt8 in [0x08, 0x20, 0x40] {
            let status = realtime([0x1A, 0x12, 0x12 | errorBit, 0x12])
            #expect(status.error)
            #expect(!status.canPrint)
        }
    }

    @Test("the drawer signal is DLE EOT 1 bit 2")
    func drawer() {
        #expect(realtime([0x16]).drawerSignal == true)
    }

    @Test("Automatic Status Back blocks are recognised between other answers")
    func statusBack() {
        var parser = PrinterStatusParser()
        parser.expectRealtime(1)
        let answers = parser.feed([0x38, 0x00, 0x0F, 0x00, 0x12])
        #expect(answers == [.automaticStatusBack([0x38, 0x00, 0x0F, 0x00]), .realtime(request: 1, byte: 0x12)])
        #expect(parser.status.online)  // the later DLE EOT 1 answer
        #expect(parser.status.coverOpen)
        #expect(parser.status.paperOut)
    }

    @Test("ASB split over several reads is put back together")
    func statusBackSplit() {
        var parser = PrinterStatusParser()
        #expect(parser.feed([0x10, 0x00]).isEmpty)
        #expect(parser.feed([0x03]).isEmpty)
        #expect(parser.feed([0x00]) == [.automaticStatusBack([0x10, 0x00, 0x03, 0x00])])
        #expect(parser.status.paperNearEnd)
        #expect(parser.status.canPrint)
    }

    @Test("a GS r 1 answer is told apart from real-time answers and counts only when expected")
    func paperSensor() {
        var parser = PrinterStatusParser()
        #expect(parser.feed([0x00]).isEmpty)
        #expect(parser.ignoredBytes == 1)
        parser.expectPaperSensor()
        parser.expectRealtime(4)
        let answers = parser.feed([0x12, 0x03])
        #expect(answers == [.realtime(request: 4, byte: 0x12), .paperSensor(0x03)])
        #expect(parser.outstandingPaperSensor == 0)
        #expect(parser.status.paperNearEnd)
    }

    @Test("XON, XOFF and noise are ignored")
    func noise() {
        var parser = PrinterStatusParser()
        parser.expectRealtime(1)
        let answers = parser.feed([0x11, 0x13, 0xFF, 0x12])
        #expect(answers == [.realtime(request: 1, byte: 0x12)])
        #expect(parser.ignoredBytes == 3)
    }

    @Test("an unreachable printer cannot print whatever else it said")
    func unreachable() {
        var status = PrinterStatus.ready
        status.reachable = false
        #expect(!status.canPrint)
        #expect(status.description == "unreachable")
    }
}

@Suite("Printer endpoints")
struct PrinterEndpointTests {
    @Test("paths, USB printer nodes and network addresses are told apart")
    func parsing() {
        #expect(PrinterEndpoint(parsing: "/dev/usb/lp0") == .usbPrinter(path: "/dev/usb/lp0"))
        #expect(PrinterEndpoint(parsing: "/dev/ttyUSB0") == .serial(path: "/dev/ttyUSB0", settings: .init()))
        #expect(PrinterEndpoint(parsing: "192.168.1.50:9100") == .network(host: "192.168.1.50", port: 9100))
        #expect(PrinterEndpoint(parsing: "tcp://printer.local") == .network(host: "printer.local", port: 9100))
        #expect(PrinterEndpoint(parsing: "[fe80::1]:9101") == .network(host: "fe80::1", port: 9101))
        #expect(PrinterEndpoint(parsing: "printer.local") == nil)
        #expect(PrinterEndpoint(parsing: "host:0") == nil)
        #expect(PrinterEndpoint(parsing: "host:http") == nil)
    }

    @Test("serial settings read as baud, frame and flow control")
    func serialDescription() {
        let settings = PrinterSerialSettings(baudRate: 38_400, parity: .even, flowControl: .xonXoff)
        #expect(settings.description == "38400 8E1 xon-xoff")
    }
}
