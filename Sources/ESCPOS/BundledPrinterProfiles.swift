// The printer profiles qfpos ships, in the JSON format `PrinterProfile.decodeList` reads (a file a
// technician writes for another model has the same shape). Compiled in rather than shipped as a
// resource bundle: qfposd needs no directory beside its binary, and reading it costs no Bundle lookup.

extension PrinterProfile {
    static let bundledJSON = #"""
        {
          "profiles": [
            {
              "name": "epson-tm-t88-jp",
              "model": "Epson TM-T88VI/VII (Japanese model)",
              "paperWidthMM": 80, "dotsPerLine": 576, "columns": 48,
              "nativeQR": true, "kanji": "shiftJIS", "katakana": true, "internationalCharacterSet": 8,
              "cutter": "partial", "drawer": true,
              "realtimeStatus": true, "automaticStatusBack": true, "jobCompletion": true,
              "qrModuleSize": 6
            },
            {
              "name": "epson-tm-m30-jp",
              "model": "Epson TM-m30/TM-m30II (Japanese model)",
              "paperWidthMM": 80, "dotsPerLine": 576, "columns": 48,
              "nativeQR": true, "kanji": "shiftJIS", "katakana": true, "internationalCharacterSet": 8,
              "cutter": "partial", "drawer": true,
              "realtimeStatus": true, "automaticStatusBack": true, "jobCompletion": true,
              "qrModuleSize": 6
            },
            {
              "name": "epson-tm-m30-58-jp",
              "model": "Epson TM-m30 with the 58 mm paper guide (Japanese model)",
              "paperWidthMM": 58, "dotsPerLine": 384, "columns": 32,
              "nativeQR": true, "kanji": "shiftJIS", "katakana": true, "internationalCharacterSet": 8,
              "cutter": "partial", "drawer": true,
              "realtimeStatus": true, "automaticStatusBack": true, "jobCompletion": true,
              "qrModuleSize": 5
            },
            {
              "name": "star-mc-print3",
              "model": "Star mC-Print3 (ESC/POS mode, Japanese model)",
              "paperWidthMM": 80, "dotsPerLine": 576, "columns": 48,
              "nativeQR": true, "kanji": "kanjiModeShiftJIS", "katakana": true, "internationalCharacterSet": 8,
              "cutter": "partial", "drawer": true,
              "realtimeStatus": true, "automaticStatusBack": false, "jobCompletion": false,
              "qrModuleSize": 6
            },
            {
              "name": "citizen-ct-s310",
              "model": "Citizen CT-S310II (Japanese model, 58 mm)",
              "paperWidthMM": 58, "dotsPerLine": 384, "columns": 32,
              "nativeQR": true, "kanji": "kanjiModeShiftJIS", "katakana": true, "internationalCharacterSet": 8,
              "cutter": "partial", "drawer": true,
              "realtimeStatus": true, "automaticStatusBack": true, "jobCompletion": true,
              "qrModuleSize": 5
            },
            {
              "name": "bixolon-srp-350",
              "model": "Bixolon SRP-350 (export model, no Kanji, no native QR)",
              "paperWidthMM": 80, "dotsPerLine": 512, "columns": 42,
              "nativeQR": false, "kanji": "none", "katakana": true, "internationalCharacterSet": 8,
              "cutter": "partial", "drawer": true,
              "realtimeStatus": true, "automaticStatusBack": true, "jobCompletion": false,
              "qrModuleSize": 6
            },
            {
              "name": "sunmi-58",
              "model": "Sunmi built-in 58 mm printer (Japanese firmware)",
              "paperWidthMM": 58, "dotsPerLine": 384, "columns": 32,
              "nativeQR": true, "kanji": "kanjiModeShiftJIS", "katakana": false, "internationalCharacterSet": null,
              "cutter": "none", "drawer": false,
              "realtimeStatus": true, "automaticStatusBack": false, "jobCompletion": false,
              "qrModuleSize": 5
            },
            {
              "name": "generic-58",
              "model": "Generic ESC/POS 58 mm (ASCII only, raster QR)",
              "paperWidthMM": 58, "dotsPerLine": 384, "columns": 32,
              "nativeQR": false, "kanji": "none", "katakana": false, "internationalCharacterSet": null,
              "cutter": "none", "drawer": false,
              "realtimeStatus": false, "automaticStatusBack": false, "jobCompletion": false,
              "qrModuleSize": 5
            },
            {
              "name": "generic-80",
              "model": "Generic ESC/POS 80 mm (ASCII only, raster QR)",
              "paperWidthMM": 80, "dotsPerLine": 576, "columns": 48,
              "nativeQR": false, "kanji": "none", "katakana": false, "internationalCharacterSet": null,
              "cutter": "full", "drawer": true,
              "realtimeStatus": false, "automaticStatusBack": false, "jobCompletion": false,
              "qrModuleSize": 6
            }
          ]
        }
        """#
}
