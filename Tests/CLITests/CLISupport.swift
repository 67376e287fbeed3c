import B24Sandbox
import Foundation
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What one run of the real `b24` binary printed and how it ended.
struct CLIResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String

    /// The non-empty stderr lines.
    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
}

/// Runs the built `b24` executable with a private XDG home, against an in-process sandbox.
final class CLIEnvironment: @unchecked Sendable {
    let root: URL
    let sandbox: Sandbox
    var environment: [String: String]

    init(sandbox options: SandboxOptions? = nil) async throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("b24-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        var sandboxOptions = options ?? SandboxOptions()
        if options == nil {
            sandboxOptions.bucketSetting = .off
            sandboxOptions.operatingLimitSeconds = nil
        }
        sandbox = try await Sandbox.start(sandboxOptions)
        environment = [
            "HOME": root.path,
            "XDG_CONFIG_HOME": root.appendingPathComponent("config").path,
            "XDG_STATE_HOME": root.appendingPathComponent("state").path,
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "LANG": "C.UTF-8",
        ]
    }

    /// The built binary: next to the test bundle in `.build/<config>/`.
    static var binary: URL { BuiltProduct.b24 }

    var webhook: String { sandbox.adminWebhookURL.absoluteString }

    var webhookCode: String { sandbox.adminWebhookURL.pathComponents.filter { $0 != "/" }[2] }

    /// Runs `b24 ARGS`, feeding `input` on stdin, and waits for it to end.
    ///
    /// Output goes to files, not pipes: a child started at the same moment by another test (a tmux server, a
    /// sandbox) can inherit a pipe's write end and keep it open for ever, so EOF would never come.
    /// `executable` replaces the b24 binary (for a shell that wraps it).
    func run(_ arguments: [String], input: Data? = nil, extraEnvironment: [String: String] = [:],
             executable: URL? = nil) async throws -> CLIResult {
        let process = Process()
        process.executableURL = executable ?? Self.binary
        process.arguments = arguments
        process.environment = environment.merging(extraEnvironment) { $1 }
        let id = UUID().uuidString
        let outURL = root.appendingPathComponent("stdout-\(id)"), errURL = root.appendingPathComponent("stderr-\(id)")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        if let input {
            let inURL = root.appendingPathComponent("stdin-\(id)")
            try input.write(to: inURL)
            process.standardInput = try FileHandle(forReadingFrom: inURL)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        await offPool { process.waitUntilExit() }
        try out.close()
        try err.close()
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        return CLIResult(status: process.terminationStatus,
                         stdout: String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self),
                         stderr: String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self))
    }

    /// Every byte b24 wrote under this test's state directory (history, audit, limiter, locks).
    func stateFiles() -> String {
        var text = ""
        let enumerator = FileManager.default.enumerator(at: root.appendingPathComponent("state"), includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            if let data = try? Data(contentsOf: url) { text += String(decoding: data, as: UTF8.self) }
        }
        return text
    }

    func file(_ name: String, _ contents: Data) throws -> String {
        let url = root.appendingPathComponent(name)
        try contents.write(to: url)
        return url.path
    }

    func stop() async {
        await sandbox.stop()
        try? FileManager.default.removeItem(at: root)
    }
}

/// Runs blocking work on a fresh thread and awaits its result without holding a cooperative-pool thread.
func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: work()) }
    }
}
