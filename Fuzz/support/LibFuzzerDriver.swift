import Glibc

/// libFuzzer's entry point for a program with a `main` of its own (SwiftPM names each
/// executable's `main`, so libFuzzer's cannot be the one): parses libFuzzer's options from the
/// command line and runs `test` on every input. From compiler-rt's FuzzerInterface.h.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// Runs libFuzzer with this process's arguments over `test` (a target's `LLVMFuzzerTestOneInput`)
/// and exits with its status.
public func runLibFuzzer(_ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, test))
}
