import Foundation

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
    static var binary: URL {
        var directory = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("b24")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        for bundle in Bundle.allBundles {
            let candidate = bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("b24")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return URL(fileURLWithPath: ".build/debug/b24")
    }

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

    /// Runs a tmux command on this session's server and returns its stdout (capture-pane only).
    @discardableResult
    func tmux(_ arguments: [String]) -> String {
        spawn(TmuxSession.tmuxPath ?? "/usr/bin/tmux", ["-L", socket, "-f", "/dev/null"] + arguments,
              capture: arguments.first == "capture-pane")
    }

    /// posix_spawn + waitpid: Foundation's Process did not always reap the tmux client whose server
    /// daemonizes, and the wait never returned.
    private func spawn(_ path: String, _ arguments: [String], capture: Bool) -> String {
        var fds: [Int32] = [-1, -1]
        if capture { guard pipe(&fds) == 0 else { return "" } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        if capture {
            posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
            posix_spawn_file_actions_addclose(&actions, fds[0])
            posix_spawn_file_actions_addclose(&actions, fds[1])
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let started = posix_spawn(&pid, path, &actions, nil, argv, environ) == 0
        var output = Data()
        if capture {
            Glibc.close(fds[1])
            var buffer = [UInt8](repeating: 0, count: 65536)
            while started {
                let n = read(fds[0], &buffer, buffer.count)
                if n <= 0 { break }
                output.append(contentsOf: buffer[0 ..< n])
            }
            Glibc.close(fds[0])
        }
        if started {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        }
        return String(decoding: output, as: UTF8.self)
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

    func close() {
        tmux(["kill-server"])
        try? FileManager.default.removeItem(at: home)
    }
}
