// libFuzzer harness for the log miner (see Fuzz/README.md): LogFormat, LogMasker and TemplateMiner on arbitrary
// input, with the invariants of MinerInvariants.swift (shared with the regression test, see there for the input
// format) checked after every input. A violation aborts like a crash.
//
// Built with `-sanitize=fuzzer -parse-as-library` (see Fuzz/run.sh); SwiftPM links an executable with `main`
// aliased to `LogMiningFuzz_main`, which hands control to libFuzzer's driver.

import Foundation

/// `int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));`
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// One input: mine every line, checking what each step promises, then what the miner as a whole promises.
@_cdecl("LLVMFuzzerTestOneInput")
public func logMiningFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = size > 0 ? data.map { Data(bytes: $0, count: size) } ?? Data() : Data()
    do {
        try MinerInvariants.check(bytes)
    } catch {
        fatalError(error.description)
    }
    return 0
}

/// The executable's entry point (SwiftPM's `main` alias): run libFuzzer's driver with our callback.
@_cdecl("LogMiningFuzz_main")
public func logMiningFuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    var argc = argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&argc, &argv, logMiningFuzzTestOneInput)
}
