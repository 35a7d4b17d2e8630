import Foundation
import Interpreter
import Synchronization
import TestSupport
import Testing

@testable import Runtime

#if canImport(Glibc)
import Glibc
#endif

@Suite("Log capture", .timeLimit(.minutes(5)))
struct LogCaptureTests {
    let reactor: IOReactor

    init() throws {
        reactor = try IOReactor()
    }

    @Test("a pipe is read line by line into the file and the callback, the partial last line included")
    func linesFromPipe() async throws {
        let directory = try LogTestDirectory()
        let file = try LogFile(path: directory.path + "/api.log")
        let received = LogLineCollector()
        let pipe = try LogTestPipe()
        let capture = LogCapture(kernel: "api", stream: .stderr, fd: pipe.readEnd, file: file, reactor: reactor) {
            received.append($0)
        }
        capture.start()
        pipe.write("starting\nlistening on :8080\r\n")
        pipe.write("\nerror: disk full\npartial, no newline")
        pipe.closeWriteEnd()
        try await capture.requireFinished()
        try await capture.requireFinished()  // returns at once when already finished
        #expect(capture.isFinished)

        let lines = received.lines
        #expect(lines.map(\.text) == ["starting", "listening on :8080", "", "error: disk full", "partial, no newline"])
        #expect(lines.allSatisfy { $0.kernel == "api" && $0.stream == .stderr })
        #expect(file.recentLines(10) == lines)
        file.close()
        let written = try String(contentsOfFile: directory.path + "/api.log", encoding: .utf8)
        let records = written.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(records.count == 5)
        let pattern = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z stderr (.*)$/
        #expect(records.allSatisfy { (try? pattern.wholeMatch(in: $0)) != nil })
        #expect(records.last?.hasSuffix(" stderr partial, no newline") == true)
    }

    @Test("a 100 KiB line keeps its first 16 KiB and says how much was cut; the next line is intact")
    func longLineTruncated() async throws {
        let directory = try LogTestDirectory()
        let file = try LogFile(path: directory.path + "/big.log")
        let received = LogLineCollector()
        let pipe = try LogTestPipe()
        let capture = LogCapture(kernel: "big", stream: .stdout, fd: pipe.readEnd, file: file, reactor: reactor) {
            received.append($0)
        }
        capture.start()
        pipe.write(String(repeating: "x", count: 100 << 10) + "\nafter\n")
        pipe.closeWriteEnd()
        try await capture.requireFinished()
        let lines = received.lines.map(\.text)
        #expect(lines.count == 2)
        #expect(lines.first == String(repeating: "x", count: 16 << 10) + " [truncated \((100 - 16) << 10) bytes]")
        #expect(lines.last == "after")
    }

    @Test("a regular file, which epoll refuses, is still read to the end (on a thread of its own)")
    func regularFile() async throws {
        let directory = try LogTestDirectory()
        let file = try LogFile(path: directory.path + "/file.log")
        let source = directory.path + "/source.txt"
        #expect(FileManager.default.createFile(atPath: source, contents: Data("one\ntwo\nthree".utf8)))
        let fd = open(source, O_RDONLY | O_CLOEXEC)
        let received = LogLineCollector()
        let capture = LogCapture(kernel: "file", stream: .stdout, fd: fd, file: file, reactor: reactor) {
            received.append($0)
        }
        capture.start()
        try await capture.requireFinished()
        #expect(received.lines.map(\.text) == ["one", "two", "three"])
    }

    @Test("lines split across reads are joined, and a cut never splits a UTF-8 character")
    func splitter() {
        var splitter = LineSplitter(maxLineBytes: 8)
        var lines: [String] = []
        func feed(_ text: String) {
            var text = text
            text.withUTF8 { splitter.feed($0) { lines.append($0) } }
        }
        feed("ab")
        feed("c\nde")
        feed("f\n")
        feed("1234567é9abc\nok\n")  // é is two bytes at offsets 7-8: cut before it
        feed("12345678\n")  // exactly the limit: not truncated
        feed("tail")
        splitter.finish { lines.append($0) }
        #expect(lines == ["abc", "def", "1234567 [truncated 6 bytes]", "ok", "12345678", "tail"])
        var bytes: [UInt8] = [0x61, 0xE2, 0x82]  // "a" and two of the three bytes of "€"
        #expect(bytes.withUnsafeBufferPointer { LineSplitter.utf8Boundary($0) } == 1)
        bytes.append(0xAC)
        #expect(bytes.withUnsafeBufferPointer { LineSplitter.utf8Boundary($0) } == 4)
    }

    @Test("the file rotates past maxBytes, keeping `keep` old generations")
    func rotation() throws {
        let directory = try LogTestDirectory()
        let path = directory.path + "/rot.log"
        let file = try LogFile(path: path, maxBytes: 300, keep: 2)
        let time = Date(timeIntervalSince1970: 1_795_687_921.123)
        for index in 0..<40 {
            file.write(LogLine(kernel: "rot", stream: .stdout, text: "line \(index)", time: time))
        }
        file.close()
        let manager = FileManager.default
        #expect(manager.fileExists(atPath: path))
        #expect(manager.fileExists(atPath: path + ".1"))
        #expect(manager.fileExists(atPath: path + ".2"))
        #expect(!manager.fileExists(atPath: path + ".3"))
        for name in [path, path + ".1", path + ".2"] {
            let size = try manager.attributesOfItem(atPath: name)[.size] as? Int ?? 0
            #expect(size > 0 && size <= 300)
        }
        let newest = try String(contentsOfFile: path, encoding: .utf8)
        #expect(newest.hasSuffix("2026-11-26T10:12:01.123Z stdout line 39\n"))
        let previous = try String(contentsOfFile: path + ".1", encoding: .utf8)
        let lastOfPrevious = previous.split(separator: "\n").last.map(String.init)
        let firstOfNewest = newest.split(separator: "\n").first.map(String.init)
        let number = { (record: String?) in Int(record?.split(separator: " ").last ?? "") ?? -1 }
        #expect(number(lastOfPrevious) + 1 == number(firstOfNewest))

        // Reopening appends to what is there.
        let reopened = try LogFile(path: path, maxBytes: 300, keep: 2)
        reopened.write(LogLine(kernel: "rot", stream: .stderr, text: "again", time: time))
        reopened.close()
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix(newest))
    }

    @Test("recent lines are the last 500, oldest first")
    func recentLines() throws {
        let directory = try LogTestDirectory()
        let file = try LogFile(path: directory.path + "/recent.log")
        #expect(file.recentLines(5).isEmpty)
        for index in 0..<600 {
            file.write(
                LogLine(
                    kernel: "k", stream: index.isMultiple(of: 2) ? .stdout : .stderr, text: "\(index)", time: Date()))
        }
        #expect(file.recentLines(1000).count == 500)
        #expect(file.recentLines(1000).first?.text == "100")
        #expect(file.recentLines(3).map(\.text) == ["597", "598", "599"])
        #expect(file.recentLines(0).isEmpty)
        file.close()
        file.write(LogLine(kernel: "k", stream: .stdout, text: "after close", time: Date()))
        #expect(file.recentLines(1).first?.text == "after close")
    }

    @Test("timestamps are UTC with milliseconds; a text with newlines stays one record")
    func recordFormat() {
        let time = Date(timeIntervalSince1970: 1_795_687_921.123)
        #expect(LogTimestamp.format(time) == "2026-11-26T10:12:01.123Z")
        #expect(LogTimestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        let line = LogLine(kernel: "k", stream: .stdout, text: "a\nb", time: time)
        #expect(LogFile.record(line) == "2026-11-26T10:12:01.123Z stdout a\\nb\n")
    }

    @Test("an unwritable path is an error, not a crash")
    func unwritable() {
        #expect(throws: LogFileError.self) { try LogFile(path: "/proc/grace/cannot.log") }
    }
}

extension LogCapture {
    /// `waitUntilFinished`, bounded: a capture that never reaches EOF fails the test instead of hanging it.
    func requireFinished(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await require("the capture of \(kernel) to reach EOF", sourceLocation: sourceLocation) {
            await self.waitUntilFinished()
        }
    }
}

/// Lines delivered to `onLine`, from the reader thread.
private final class LogLineCollector: Sendable {
    private let storage = Mutex<[LogLine]>([])
    func append(_ line: LogLine) { storage.withLock { $0.append(line) } }
    var lines: [LogLine] { storage.withLock { $0 } }
}

private struct LogTestDirectory: ~Copyable {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("grace-logs-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

private final class LogTestPipe {
    let readEnd: Int32
    private(set) var writeEnd: Int32

    init() throws {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw POSIXError(.EMFILE) }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var done = 0
            while done < bytes.count {
                let count = Glibc.write(writeEnd, bytes.baseAddress! + done, bytes.count - done)
                if count > 0 { done += count } else if errno != EINTR { return }
            }
        }
    }

    func closeWriteEnd() {
        if writeEnd >= 0 { close(writeEnd) }
        writeEnd = -1
    }

    deinit { closeWriteEnd() }
}
