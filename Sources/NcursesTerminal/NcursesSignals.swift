import CNcursesw
import Foundation

extension NcursesBackend {
    /// Restores the terminal before the process dies: on SIGTERM, SIGHUP, SIGINT (only delivered by
    /// `kill`: raw mode turns Ctrl+C into a key), SIGQUIT, and on crashes (SIGSEGV, SIGBUS, SIGILL —
    /// Swift traps —, SIGFPE, SIGTRAP, SIGABRT). The handler calls `endwin()`, puts back the default
    /// action and re-raises, so exit codes and core dumps stay as they were. Also registers `atexit`.
    /// Call once, after creating the backend.
    public static func installSignalHandlers() {
        let signals: [Int32] = [SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT]
        for sig in signals {
            signal(sig) { received in
                if NcursesBackend.active { endwin() }
                signal(received, SIG_DFL)
                raise(received)
            }
        }
        atexit {
            if NcursesBackend.active, !isendwin() { endwin() }
        }
    }
}
