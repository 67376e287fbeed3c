import Foundation
import TestSupport

/// Runs blocking work on a fresh thread, so waits never hold a cooperative-pool thread.
func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: work()) }
    }
}

/// A private tmux server (its own socket, no user config) with one window running a shell.
final class TmuxSession: @unchecked Sendable {
    let socket = "b24-e2e-\(UUID().uuidString.prefix(8))"
    let name = "console"
    let home: URL

    static var tmuxPath: String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/tmux"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The built `b24` next to the test bundle (`.build/<config>/`).
    static var binary: URL { BuiltProduct.b24 }

    /// Starts `sh` in a 120×40 window with a private XDG home and a recognisable prompt.
    init(width: Int = 120, height: Int = 40) throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("b24-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let env = [
            "HOME=\(home.path)", "XDG_CONFIG_HOME=\(home.path)/config", "XDG_STATE_HOME=\(home.path)/state",
            "PATH=/usr/bin:/bin", "LANG=C.UTF-8", "PS1=e2e$ ", "TERM=xterm-256color",
        ]
        tmux(["new-session", "-d", "-x", "\(width)", "-y", "\(height)", "-s", name, "env", "-i"] + env + ["sh"])
    }

    /// Runs a tmux command on this session's server and returns its stdout (capture-pane and show-buffer only).
    @discardableResult
    func tmux(_ arguments: [String]) -> String {
        spawn(TmuxSession.tmuxPath ?? "/usr/bin/tmux", ["-L", socket, "-f", "/dev/null"] + arguments,
              capture: arguments.first == "capture-pane" || arguments.first == "show-buffer")
    }

    private func spawn(_ path: String, _ arguments: [String], capture: Bool) -> String {
        spawnAndWait(path, arguments, captureStdout: capture).stdout
    }

    /// Types a line into the shell and presses Enter.
    func run(_ line: String) {
        tmux(["send-keys", "-t", name, "-l", line])
        tmux(["send-keys", "-t", name, "Enter"])
    }

    /// Sends tmux key names (Enter, Escape, Tab, j, …) one at a time, a little apart so Escape is not
    /// read as Alt+next key.
    func keys(_ names: String...) {
        for key in names {
            tmux(["send-keys", "-t", name, key])
            Thread.sleep(forTimeInterval: 0.08)
        }
    }

    /// Types literal text.
    func type(_ text: String) { tmux(["send-keys", "-t", name, "-l", text]) }

    /// The visible pane text.
    func capture() -> String { tmux(["capture-pane", "-p", "-t", name]) }

    func resize(width: Int, height: Int) {
        tmux(["resize-window", "-t", name, "-x", "\(width)", "-y", "\(height)"])
    }

    /// Polls the pane until `predicate` holds; returns the last capture and whether it held.
    func wait(timeout: Double = 15, until predicate: (String) -> Bool) -> (ok: Bool, screen: String) {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = capture()
        while Date() < deadline {
            if predicate(screen) { return (true, screen) }
            Thread.sleep(forTimeInterval: 0.05)
            screen = capture()
        }
        return (predicate(screen), screen)
    }

    func wait(for text: String, timeout: Double = 15) -> (ok: Bool, screen: String) {
        wait(timeout: timeout) { $0.contains(text) }
    }

    /// The processes under the pane's shell (`ps` columns pid, state, wait channel, command) for failure reports.
    func paneProcesses() -> String {
        let shell = spawnAndWait(TmuxSession.tmuxPath ?? "/usr/bin/tmux",
                                 ["-L", socket, "-f", "/dev/null", "display-message", "-p", "-t", name, "#{pane_pid}"],
                                 captureStdout: true).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !shell.isEmpty else { return "(no pane)" }
        return spawnAndWait("/bin/ps", ["-o", "pid,stat,wchan:20,args", "--ppid", shell], captureStdout: true).stdout
    }

    func close() {
        tmux(["kill-server"])
        try? FileManager.default.removeItem(at: home)
    }
}

/// Runs a child with posix_spawn and waits for it with waitpid: Foundation's Process did not always reap a child
/// (a tmux client whose server daemonizes, a b24 that exits at once), and its wait never returned.
/// stdin is /dev/null; stdout is captured or discarded; stderr goes to `stderrFile` or is discarded.
/// `environment` nil keeps this process's environment. Returns the exit status (128 + signal when killed).
func spawnAndWait(_ path: String, _ arguments: [String], environment: [String]? = nil, captureStdout: Bool = false,
                  stderrFile: String? = nil) -> (status: Int32, stdout: String)
{
    var fds: [Int32] = [-1, -1]
    if captureStdout { guard pipe(&fds) == 0 else { return (-1, "") } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, stderrFile ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    if captureStdout {
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])
    } else {
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    }
    // The test runner's threads block some signals; a tmux server started with that mask would ignore
    // kill-server's SIGTERM and outlive the test. Children start with an empty mask and default handlers.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t(), allSignals = sigset_t()
    sigemptyset(&noSignals)
    sigfillset(&allSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    let envp = environment.map { $0.map { strdup($0) } + [nil] }
    defer { for p in envp ?? [] { free(p) } }
    var pid: pid_t = 0
    let started = envp.map { env in posix_spawn(&pid, path, &actions, &attributes, argv, env) == 0 }
        ?? (posix_spawn(&pid, path, &actions, &attributes, argv, environ) == 0)
    var output = Data()
    if captureStdout {
        Glibc.close(fds[1])
        var buffer = [UInt8](repeating: 0, count: 65536)
        while started {
            let n = read(fds[0], &buffer, buffer.count)
            if n <= 0 { break }
            output.append(contentsOf: buffer[0 ..< n])
        }
        Glibc.close(fds[0])
    }
    guard started else { return (-1, "") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    let signal = status & 0x7f
    return (signal == 0 ? (status >> 8) & 0xff : 128 + signal, String(decoding: output, as: UTF8.self))
}
