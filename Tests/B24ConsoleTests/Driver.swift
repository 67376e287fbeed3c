@testable import B24Console
import Foundation
import TerminalKit
import Testing

/// Runs the real console loop on a `VirtualTerminal` (through `TerminalThread`, as in production) with
/// real services: with a private, empty XDG home the console starts its embedded sandbox on 127.0.0.1
/// and every effect goes through B24Client.
final class Driver: @unchecked Sendable {
    let root: URL
    let terminal: TerminalThread
    let services: ConsoleServices
    let runtime: ConsoleRuntime
    private var loop: Task<Void, Never>?

    /// - Parameter prepare: runs with the private XDG home before the console starts (e.g. to save profiles).
    init(size: Size = Size(width: 100, height: 30), launch extra: (inout ConsoleLaunch) -> Void = { _ in },
         files: [String: String] = [:], prepare: (ConsoleLaunch) throws -> Void = { _ in }) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("b24-console-\(UUID().uuidString)")
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        var launch = ConsoleLaunch(environment: [
            "HOME": root.path,
            "XDG_CONFIG_HOME": root.appendingPathComponent("config").path,
            "XDG_STATE_HOME": root.appendingPathComponent("state").path,
        ])
        extra(&launch)
        try prepare(launch)
        terminal = TerminalThread(backend: VirtualTerminal(size: size), pollInterval: 0.005)
        services = ConsoleServices(launch: launch)
        let state = ConsoleApp.initialState(launch: launch, services: services, size: size)
        runtime = ConsoleRuntime(state: state, services: services, terminal: terminal)
        let runtime = self.runtime
        loop = Task.detached { await runtime.run() }
    }

    /// Presses keys (on the terminal thread, like real key reads).
    func press(_ keys: KeyEvent...) {
        terminal.perform { ($0 as! VirtualTerminal).feed(keys: keys) }
    }

    /// Types text, one key per character.
    func type(_ text: String) {
        terminal.perform { ($0 as! VirtualTerminal).type(text) }
    }

    /// Runs a palette line: `:`, the line, Enter.
    func command(_ line: String) {
        press(.char(":"))
        type(line)
        press(.enter)
    }

    /// What the console copied to the clipboard (OSC 52), oldest first.
    func clipboard() async -> [String] {
        await withCheckedContinuation { continuation in
            terminal.perform { continuation.resume(returning: ($0 as! VirtualTerminal).clipboard) }
        }
    }

    func resize(to size: Size) {
        terminal.perform { ($0 as! VirtualTerminal).resize(to: size) }
    }

    /// What the virtual terminal shows now (read on its thread).
    func screen() async -> Screen {
        await withCheckedContinuation { continuation in
            terminal.perform { continuation.resume(returning: ($0 as! VirtualTerminal).screen) }
        }
    }

    /// Waits until `text` appears on the screen; records an issue and returns false after `timeout`.
    @discardableResult
    func waitFor(_ text: String, timeout: Double = 30, sourceLocation: SourceLocation = #_sourceLocation) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if await screen().text.contains(text) { return true }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        Issue.record("\"\(text)\" did not appear; screen:\n\(await screen().text)", sourceLocation: sourceLocation)
        return false
    }

    /// Presses Ctrl+C (quits from every screen, search included) and cleans up.
    func quit() async {
        press(.ctrl("c"))
        await finish()
    }

    /// Waits for the loop to end (after a quit key), then cleans up. A loop still running after 10 s
    /// is an issue; it is then told to quit, so a broken test never hangs the suite.
    func finish(sourceLocation: SourceLocation = #_sourceLocation) async {
        let runtime = self.runtime
        let watchdog = Task.detached {
            try await Task.sleep(nanoseconds: 10_000_000_000)
            Issue.record("the console did not quit", sourceLocation: sourceLocation)
            runtime.post(.quit)
        }
        await loop?.value
        watchdog.cancel()
        terminal.stop()
        await services.shutdown()
        try? FileManager.default.removeItem(at: root)
    }
}
