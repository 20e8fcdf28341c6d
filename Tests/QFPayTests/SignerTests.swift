import QFPay
import Testing

@Suite struct SignerTests {
    @Test func responseSignatureMatchesTheSpecificationExample() {
        // The specification's "MD5 data" example: body followed by the key gives this digest.
        let body =
            #"{"pay_type": "800108", "sysdtm": "2018-01-12 19:31:16", "cardcd": "2088802362210279", "#
            + #""txdtm": "2018-01-12 19:31:22", "resperr": "\u4ea4\u6613\u6210\u529f", "txcurrcd": "CNY", "#
            + #""txamt": "1", "respmsg": "", "out_trade_no": "130145934788787530052", "#
            + #""syssn": "20180112000100020001662134", "respcd": "0000"}"#
        let signer = Signer(key: "615ED178BA524459976CE40FAB78000F")
        #expect(signer.bodySignature(Array(body.utf8)) == "1E2CE7C2A7F8F581C354A857182B7A31")
        #expect(signer.verifies(body: Array(body.utf8), signature: "1e2ce7c2a7f8f581c354a857182b7a31"))
        #expect(!signer.verifies(body: Array(body.utf8) + [0x20], signature: "1E2CE7C2A7F8F581C354A857182B7A31"))
        #expect(!signer.verifies(body: Array(body.utf8), signature: nil))
    }

    @Test func hmacMatchesRFC4231() {
        // RFC 4231 test cases 2 (a short key) and 6 (a key longer than the block, hashed first).
        #expect(
            HMACSHA256(key: Array("Jefe".utf8)).hexCode(Array("what do ya want for nothing?".utf8))
                == "5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843")
        #expect(
            HMACSHA256(key: [UInt8](repeating: 0xAA, count: 131)).hexCode(
                Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
                == "60E431591EE0B67F0D8A26AACBF5B77F8E0BC6213728C5140546040F0EE37F54")
    }

    @Test func requestSignatureSortsNamesAndSignsRawUTF8Values() {
        let parameters = ["txamt": "1200", "goods_name": "缶コーヒー & 水", "abc": "", "mchid": "M1"]
        #expect(Signer.canonicalString(parameters) == "goods_name=缶コーヒー & 水&mchid=M1&txamt=1200")
        let expected = DigestAlgorithm.md5.hexDigest(Array("goods_name=缶コーヒー & 水&mchid=M1&txamt=1200KEY".utf8))
        #expect(Signer(key: "KEY").requestSignature(parameters) == expected)
        #expect(DigestAlgorithm.md5.hexDigest(Array("abc".utf8)) == "900150983CD24FB0D6963F7D28E17F72")
        #expect(
            DigestAlgorithm.sha256.hexDigest(Array("abc".utf8))
                == "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
        )
    }

    @Test func descriptionNeverShowsTheKey() {
        #expect(!String(describing: Signer(key: "SECRETKEY")).contains("SECRETKEY"))
    }
}
