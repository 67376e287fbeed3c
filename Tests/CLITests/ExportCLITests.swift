import B24Sandbox
import B24Wire
import Foundation
import XCTest

/// `b24 export` as a person or a script runs it: the real binary, killed with SIGKILL and resumed.
final class ExportCLITests: XCTestCase {
    private func sandbox(leads: Int) async throws -> CLIEnvironment {
        var options = SandboxOptions()
        options.bucketSetting = .off
        options.operatingLimitSeconds = nil
        options.leads = leads
        return try await CLIEnvironment(sandbox: options)
    }

    private func ids(_ url: URL) throws -> [Int64] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let row = try JSONParser.parse(String(line))
            return row["ID"]?.intValue ?? Int64(row["ID"]?.stringValue ?? "") ?? -1
        }
    }

    /// Starts `b24 ARGS` without waiting for it.
    private func start(_ env: CLIEnvironment, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = CLIEnvironment.binary
        process.arguments = arguments
        process.environment = env.environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func testKilledAtRandomPointsAndResumedEveryRowExactlyOnce() async throws {
        let env = try await sandbox(leads: 30_000)
        defer { Task { await env.stop() } }
        let out = env.root.appendingPathComponent("leads.jsonl")
        // A slow client bucket (13 requests at 4 a second) leaves time to kill it mid-export.
        let base = ["export", "crm.lead.list", "--webhook", env.webhook, "--select", "ID,TITLE", "--out", out.path,
                    "--quiet", "--bucket", "2/4"]
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        var resume = false
        for _ in 0..<6 {
            let process = try start(env, base + (resume ? ["--resume"] : []))
            let delay = Double.random(in: 0.3...1.5, using: &generator)
            try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            guard process.isRunning else {
                await offPool { process.waitUntilExit() }
                XCTAssertEqual(process.terminationStatus, 0)
                break
            }
            kill(process.processIdentifier, SIGKILL)
            await offPool { process.waitUntilExit() }
            XCTAssertEqual(process.terminationReason, .uncaughtSignal)
            kills += 1
            resume = FileManager.default.fileExists(atPath: out.path)
        }
        XCTAssertGreaterThan(kills, 0, "at least one run was killed part way")
        let final = try await env.run(base + ["--resume"])
        XCTAssertEqual(final.status, 0, final.stderr)
        XCTAssertEqual(try ids(out), Array(1...30_000).map(Int64.init), "every row once, in order, after \(kills) kills")
    }

    func testProgressAndSummaryOnStderrAndNoSecret() async throws {
        let env = try await sandbox(leads: 3_000)
        defer { Task { await env.stop() } }
        let out = env.root.appendingPathComponent("leads.csv")
        let result = try await env.run(["export", "crm.lead.list", "--webhook", env.webhook, "--out", out.path,
                                        "--select", "ID,TITLE,PHONE"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.isEmpty)
        XCTAssertTrue(result.stderr.contains("exported 3000 rows of crm.lead.list"), result.stderr)
        XCTAssertTrue(result.stderr.contains("matches the portal's count"), result.stderr)
        XCTAssertFalse(result.stderr.contains(env.webhookCode))
        XCTAssertFalse(env.stateFiles().contains(env.webhookCode), "the checkpoint and audit keep no secret")
        let header = try String(contentsOf: out, encoding: .utf8).split(separator: "\r\n").first
        XCTAssertEqual(header, "ID,TITLE,PHONE")
    }

    func testBadInputGetsOneLineAndItsExitCode() async throws {
        let env = try await sandbox(leads: 200)
        defer { Task { await env.stop() } }
        let out = env.root.appendingPathComponent("leads.jsonl")
        try Data("earlier export\n".utf8).write(to: out)
        let base = ["export", "--webhook", env.webhook, "--quiet", "--out", out.path]

        let exists = try await env.run(base + ["crm.lead.list"])
        XCTAssertEqual(exists.status, 64)
        XCTAssertEqual(exists.stderrLines.count, 1, exists.stderr)
        XCTAssertTrue(exists.stderr.contains("--resume") && exists.stderr.contains("--force"), exists.stderr)
        XCTAssertEqual(try String(contentsOf: out, encoding: .utf8), "earlier export\n", "the file is untouched")

        let noCheckpoint = try await env.run(base + ["crm.lead.list", "--resume"])
        XCTAssertEqual(noCheckpoint.status, 64)
        XCTAssertTrue(noCheckpoint.stderr.contains("no export checkpoint"), noCheckpoint.stderr)

        let notList = try await env.run(base + ["crm.lead.update", "--force"])
        XCTAssertEqual(notList.status, 64)
        XCTAssertTrue(notList.stderr.contains("not a list method"), notList.stderr)

        let badField = try await env.run(base + ["crm.lead.list", "--force", "--select", "TITLE,TITEL"])
        XCTAssertEqual(badField.status, 64)
        XCTAssertTrue(badField.stderr.contains("TITEL"), badField.stderr)

        let badFormat = try await env.run(base + ["crm.lead.list", "--force", "--format", "xml"])
        XCTAssertEqual(badFormat.status, 64)

        let refused = try await env.run(base + ["crm.lead.list", "--force", "--packs", "none"])
        XCTAssertEqual(refused.status, 3, refused.stderr)
        XCTAssertEqual(try String(contentsOf: out, encoding: .utf8), "earlier export\n")

        let unwritable = try await env.run(["export", "crm.lead.list", "--webhook", env.webhook, "--quiet",
                                            "--out", env.root.appendingPathComponent("no/such/dir/x.jsonl").path])
        XCTAssertEqual(unwritable.status, 74, unwritable.stderr)
        XCTAssertEqual(unwritable.stderrLines.count, 1, unwritable.stderr)
    }
}
