import B24Sandbox
import B24Wire
import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite("b24 events, profile set-token, worker and dlq on the command line", .serialized)
struct EventsCLITests {
    static let token = "sbxAppTokenForTheCLITest0123456789"

    @Test("set-token reads stdin and shows only a mask; tail says where it listens, prints accepted events, refuses the rest")
    func setTokenAndTail() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        #expect(try await env.run(["profile", "add", "wh", "--webhook", env.webhook]).status == 0)
        let set = try await env.run(["profile", "set-token", "wh", "--member-id", "member42"], input: Data((Self.token + "\n").utf8))
        #expect(set.status == 0, "\(set.stderr)")
        #expect(set.stdout.contains("****6789"))
        let shown = try await env.run(["profile", "show", "wh"])
        #expect(shown.stdout.contains("events:      token ****6789, member member42"))

        let process = Process()
        process.executableURL = CLIEnvironment.binary
        process.arguments = ["events", "tail", "--no-offline", "--profile", "wh"]
        process.environment = env.environment
        let outURL = env.root.appendingPathComponent("tail.out"), errURL = env.root.appendingPathComponent("tail.err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var url: URL?
        for _ in 0..<200 where url == nil {
            try await Task.sleep(nanoseconds: 25_000_000)
            let text = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("receiver listening on ") }) {
                url = URL(string: String(line.dropFirst("receiver listening on ".count)))
            }
        }
        let receiver = try #require(url, "the tail never said where it listens")
        func post(_ token: String, id: String) async throws -> Int {
            var request = URLRequest(url: receiver)
            request.httpMethod = "POST"
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(PHPForm.encode(["event": "ONCRMDEALADD", "data": ["FIELDS": ["ID": .string(id)]],
                                                    "auth": ["member_id": "member42", "application_token": .string(token)]]).utf8)
            let (_, response) = try await URLSession(configuration: .ephemeral).data(for: request)
            return (response as? HTTPURLResponse)?.statusCode ?? 0
        }
        #expect(try await post(Self.token, id: "31") == 200)
        #expect(try await post("not-the-token", id: "32") == 403)
        try await Task.sleep(nanoseconds: 300_000_000)
        kill(process.processIdentifier, SIGINT)
        await offPool { process.waitUntilExit() }
        #expect(process.terminationStatus == 0)
        let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        #expect(out.contains("ONCRMDEALADD id=31"))
        #expect(!out.contains("id=32"))
        #expect(err.contains("refused a delivery (403): wrong application_token"))
        for text in [set.stdout, set.stderr, shown.stdout, out, err, env.stateFiles()] { #expect(!text.contains(Self.token)) }
    }

    @Test("worker and dlq refuse bad input with one clear line")
    func workerAndDLQUsage() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        let neither = try await env.run(["worker", "--webhook", env.webhook])
        #expect(neither.status == 64)
        #expect(neither.stderr.contains("give one of --handler CMD or --sink FILE.jsonl"))
        let badBatch = try await env.run(["worker", "--sink", "x.jsonl", "--batch", "0", "--webhook", env.webhook])
        #expect(badBatch.status == 64)
        let empty = try await env.run(["dlq", "list"])
        #expect(empty.status == 0)
        #expect(empty.stdout.contains("the DLQ is empty"))
        let purge = try await env.run(["dlq", "purge"])
        #expect(purge.status == 64)
        #expect(purge.stderr.contains("--all"))
        let unknown = try await env.run(["dlq", "show", "7"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("no dead letter 7"))
    }
}
