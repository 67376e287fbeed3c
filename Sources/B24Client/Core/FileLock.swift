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
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw B24Error.usage("cannot lock \(path.path): \(String(cString: strerror(errno)))")
            }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}

/// Writes a file atomically (temporary file + rename) with the given permissions, so a crash or a concurrent
/// reader never sees half a file and secrets are never briefly world-readable. `durable: false` skips the
/// fsync for state that may be lost in a power cut (limiter levels), which matters on every call.
public func writeFileAtomically(_ data: Data, to url: URL, permissions: Int = 0o600, durable: Bool = true) throws {
    try B24Paths.ensurePrivateDirectory(url.deletingLastPathComponent())
    let temporary = url.deletingLastPathComponent()
        .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
    let descriptor = open(temporary.path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode_t(permissions))
    guard descriptor >= 0 else {
        throw B24Error.usage("cannot write \(url.path): \(String(cString: strerror(errno)))")
    }
    var written = 0
    let failed: Bool = data.withUnsafeBytes { buffer in
        while written < buffer.count {
            let result = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            if result < 0 { if errno == EINTR { continue }; return true }
            written += result
        }
        return durable && fsync(descriptor) != 0
    }
    close(descriptor)
    guard !failed, rename(temporary.path, url.path) == 0 else {
        unlink(temporary.path)
        throw B24Error.usage("cannot write \(url.path): \(String(cString: strerror(errno)))")
    }
}
