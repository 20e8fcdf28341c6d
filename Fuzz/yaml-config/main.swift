import Configuration
import FuzzSupport
import QFPOSDaemon

/// The configuration file: `YAMLFileSnapshot` (Yams's parser and our flattening and typing of
/// its scalars) on any bytes, then every key it found read as each type the daemon asks for.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYAMLConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let snapshot = try? YAMLFileSnapshot(data: bytes.span.bytes, providerName: "fuzz", parsingOptions: .default)
    else { return 0 }
    let types: [ConfigType] = [.string, .int, .double, .bool, .stringArray, .intArray, .doubleArray, .boolArray]
    for key in ["gateway.app_code", "lanes.ids", "control.allowed_uids", "payments.poll_window_seconds", "a"] {
        for type in types {
            _ = try? snapshot.value(forKey: AbsoluteConfigKey(key.split(separator: ".").map(String.init)), type: type)
        }
    }
    _ = snapshot.description
    return 0
}

runLibFuzzer(fuzzYAMLConfig)
