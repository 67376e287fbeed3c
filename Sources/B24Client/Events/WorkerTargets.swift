import B24Wire
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The worker's JSONL sink: lines are written at the committed end and the new size is committed in SQLite
/// together with the line's key, so after a crash the file is cut back to what the ledger knows.
final class SinkFile {
    let path: String
    private let descriptor: Int32
    private let store: B24Store
    private(set) var committed: Int64
    /// Bytes cut from a half-written tail when the sink was opened.
    private(set) var cut: Int64 = 0

    init(path given: String, store: B24Store) throws {
        let descriptor = open(given, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw B24Error.usage("cannot open sink \(given): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        fstat(descriptor, &info)
        guard info.st_mode & S_IFMT == S_IFREG else {
            Glibc.close(descriptor)
            throw B24Error.usage("sink \(given) is not a regular file")
        }
        // Keyed by the real path, so `./out.jsonl` and its absolute spelling are one sink.
        path = URL(fileURLWithPath: given).resolvingSymlinksInPath().standardizedFileURL.path
        self.descriptor = descriptor
        self.store = store
        let size = Int64(info.st_size)
        if let known = try store.sinkSize(path: path) {
            guard size >= known else {
                Glibc.close(descriptor)
                throw B24Error.usage("sink \(path) has \(size) bytes but b24 committed \(known): it was cut or replaced "
                    + "outside b24; move it away (a new file starts empty) before running the worker again")
            }
            committed = known
            if size > known {
                guard ftruncate(descriptor, off_t(known)) == 0 else {
                    Glibc.close(descriptor)
                    throw B24Error.usage("cannot cut the unfinished tail of sink \(path): \(String(cString: strerror(errno)))")
                }
                cut = size - known
            }
        } else {
            // A file b24 never wrote: what is there already stays, as if committed. The size is committed before
            // the first line is written, or a crash after that line would leave it uncut and handled again.
            try store.setSinkSize(path: path, size: size)
            committed = size
        }
    }

    /// Appends one line for `record` and commits it with its key.
    func append(_ record: JSONValue, key: String, messageID: String, scope: String) throws {
        let line: JSONValue = ["dedup_key": .string(key), "record": record]
        let bytes = Array((JSONWriter.compact(line) + "\n").utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                pwrite(descriptor, buffer.baseAddress! + written, bytes.count - written, off_t(committed) + off_t(written))
            }
            guard result > 0 else {
                throw B24Error.usage("cannot write to sink \(path): \(String(cString: strerror(errno)))")
            }
            written += result
        }
        guard fdatasync(descriptor) == 0 else {
            throw B24Error.usage("cannot flush sink \(path): \(String(cString: strerror(errno)))")
        }
        let size = committed + Int64(bytes.count)
        do {
            try store.recordSinkWrite(scope: scope, key: key, messageID: messageID, sink: path, size: size)
        } catch {
            // Not committed: the line must not stay, or it would be written again next time.
            _ = ftruncate(descriptor, off_t(committed))
            throw error
        }
        committed = size
    }

    func close() { Glibc.close(descriptor) }
}

/// Runs the worker's `--handler` command for one event.
enum HandlerProcess {
    /// `sh -c COMMAND` with `input` on stdin and `environment` added; the exit status, or -1 when it could not
    /// start (a signal counts as failure: 128 + signal).
    static func run(_ command: String, input: String, environment: [String: String]) async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: runBlocking(command, input: input, environment: environment))
            }
        }
    }

    private static func runBlocking(_ command: String, input: String, environment: [String: String]) -> Int32 {
        // stdin from an unlinked file, not a pipe: a handler that ignores its input cannot block or SIGPIPE b24.
        var template = Array((NSTemporaryDirectory() + "/b24-event-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { return -1 }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        handle.write(Data(input.utf8))
        lseek(descriptor, 0, SEEK_SET)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = handle
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        if process.terminationReason == .uncaughtSignal { return 128 + process.terminationStatus }
        return process.terminationStatus
    }
}
