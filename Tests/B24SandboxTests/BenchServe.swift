import B24Sandbox
import Foundation
import Testing

/// Not a test: with `B24_SANDBOX_SERVE=seconds` set, serves a limits-off sandbox for external load tools.
@Suite("Serve for benchmarks")
struct BenchServe {
    @Test func serve() async throws {
        guard let text = ProcessInfo.processInfo.environment["B24_SANDBOX_SERVE"], let seconds = Double(text) else { return }
        var options = SandboxOptions()
        options.bucketSetting = .off
        options.operatingLimitSeconds = nil
        options.port = Int(ProcessInfo.processInfo.environment["B24_SANDBOX_PORT"] ?? "") ?? 0
        let sandbox = try await Sandbox.start(options)
        for line in sandbox.bannerLines { print(line) }
        try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
        await sandbox.stop()
    }
}
