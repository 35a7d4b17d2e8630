// libFuzzer harness for Grace's compiler (see Fuzz/README.md and the fuzzing recipe in the project notes).
//
// Built with `-sanitize=fuzzer -parse-as-library`. SwiftPM links an executable with `main` aliased to
// `GraceFuzz_main`, so this file defines that symbol and hands control to libFuzzer's driver, which then
// calls `LLVMFuzzerTestOneInput` once per input.

import GraceDSL

/// `int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));`
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// One input: the bytes are the text of one YAML file, compiled with everything but the executables check
/// (which would look at the machine), then rendered, so that the renderers see every diagnostic too.
@_cdecl("LLVMFuzzerTestOneInput")
public func graceFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: size > 0 ? data : nil, count: size > 0 ? size : 0)
    let text = String(decoding: bytes, as: UTF8.self)
    let path = "fuzz.yaml"

    let result = Compiler(options: CompilerOptions(checkExecutables: false))
        .compile([SourceFile(path: path, text: text)])
    let sources = [path: text]
    let rendered = TextDiagnosticRenderer(color: false).render(result.diagnostics, sources: sources)
    let json = JSONDiagnosticRenderer().render(result.diagnostics, sources: sources)

    // Invariants every renderer relies on: a span in the input lies inside it and runs forward.
    let length = text.utf8.count
    for diagnostic in result.diagnostics where diagnostic.span.file == path {
        let span = diagnostic.span
        if !(0 <= span.start.offset && span.start.offset <= span.end.offset && span.end.offset <= length
            && span.start.line >= 1 && span.start.column >= 1)
        {
            fatalError(
                "span out of bounds (input is \(length) bytes): \(diagnostic.code.rawValue) \(diagnostic.message) "
                    + "at \(span.start.line):\(span.start.column) [\(span.start.offset), \(span.end.offset))")
        }
    }

    // Keep the work observable so the optimiser cannot drop it.
    if rendered.utf8.count + json.utf8.count == Int.max, result.graph == nil { print(rendered) }
    return 0
}

/// The executable's entry point (SwiftPM's `main` alias): run libFuzzer's driver with our callback.
@_cdecl("GraceFuzz_main")
public func graceFuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    var argc = argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&argc, &argv, graceFuzzTestOneInput)
}
