import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock shared by every b24 process on the machine (`flock` on a lock file), also exclusive
/// between threads of this process.
///
/// Used where two processes must not act at once: refreshing one profile's OAuth token, updating the shared
/// leaky-bucket state of a portal.
public final class FileLock: @unchecked Sendable {
    public let path: URL
    private let threadLock = NSLock()

    public init(path: URL) {
        self.path = path
    }

    /// Runs `body` while holding the lock. Blocks until the lock is free.
    public func withLock<T>(_ body: () throws -> T) throws -> T {
        threadLock.lock()
        defer { threadLock.unlock() }
        try B24Paths.ensurePrivateDirectory(path.deletingLastPathComponent())
        let descriptor = open(path.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw B24Error.usage("cannot open lock file \(path.path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard lockExclusively(descriptor) else {
            throw B24Error.usage("cannot lock \(path.path): \(String(cString: strerror(errno)))")
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}

/// Writes a file atomically (temporary file + rename + fsync) with the given permissions, so a crash or a
/// concurrent reader never sees half a file and secrets are never briefly world-readable.
public func writeFileAtomically(_ data: Data, to url: URL, permissions: Int = 0o600) throws {
    try B24Paths.ensurePrivateDirectory(url.deletingLastPathComponent())
    let temporary = url.deletingLastPathComponent()
        .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
    let descriptor = open(temporary.path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode_t(permissions))
    guard descriptor >= 0 else {
        throw B24Error.usage("cannot write \(url.path): \(String(cString: strerror(errno)))")
    }
    let failed = !writeAll(data, to: descriptor) || fsync(descriptor) != 0
    close(descriptor)
    guard !failed, rename(temporary.path, url.path) == 0 else {
        unlink(temporary.path)
        throw B24Error.usage("cannot write \(url.path): \(String(cString: strerror(errno)))")
    }
}

/// Replaces the contents of a small state file in place (mode 0600, no fsync): for limiter state that is
/// written on every call, where a temporary file and a rename cost most of a millisecond. Writers and readers
/// of such a file hold its `FileLock`, so nobody sees it half written; a file left damaged by a crash reads as
/// "no report" (operating budget) or "bucket full" (leaky bucket).
func overwriteStateFile(_ data: Data, at url: URL) throws {
    try B24Paths.ensurePrivateDirectory(url.deletingLastPathComponent())
    let descriptor = open(url.path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
        throw B24Error.usage("cannot write \(url.path): \(String(cString: strerror(errno)))")
    }
    defer { close(descriptor) }
    guard writeAll(data, to: descriptor), ftruncate(descriptor, off_t(data.count)) == 0 else {
        throw B24Error.usage("cannot write \(url.path): \(String(cString: strerror(errno)))")
    }
}

/// Takes an exclusive `flock` on an open file, waiting as long as needed; false (errno set) on an error other
/// than an interruption.
func lockExclusively(_ descriptor: Int32) -> Bool {
    while flock(descriptor, LOCK_EX) != 0 {
        guard errno == EINTR else { return false }
    }
    return true
}

/// Writes all of `bytes` from the descriptor's current offset (or at the end with `O_APPEND`), finishing short
/// writes; false (errno set) on an error other than an interruption.
func writeAll(_ bytes: some ContiguousBytes, to descriptor: Int32) -> Bool {
    var written = 0
    return bytes.withUnsafeBytes { buffer in
        while written < buffer.count {
            let result = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            if result < 0 { if errno == EINTR { continue }; return false }
            written += result
        }
        return true
    }
}
