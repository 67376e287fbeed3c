@testable import B24Console
import B24Client
import B24Sandbox
import B24Wire
import Foundation
import TestSupport
import TerminalKit
import Testing

/// The inspector's copies, run for real: the `b24 call` line through a shell and the real `b24` binary, the
/// revealed cURL command through curl, both against a sandbox portal.
@Suite("Copy a call as a b24 call line, and as cURL with its real secret", .serialized)
struct CopyCallDriverTests {
    /// The `b24` executable built next to the tests.
    static var b24Binary: URL { BuiltProduct.b24 }

    /// Runs `line` with /bin/sh (so the quoting is tested as a person's shell reads it) and returns its stdout.
    /// Output goes to a file, not a pipe: a child started meanwhile by another test could hold a pipe open.
    static func shell(_ line: String, environment: [String: String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("b24-copy-\(UUID().uuidString)")
        let err = out.appendingPathExtension("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", line]
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                process.waitUntilExit()
                done.resume()
            }
        }
        return (process.terminationStatus, String(decoding: try Data(contentsOf: out), as: UTF8.self),
                String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }

    /// The response of the newest call of `method` in the console's history.
    static func storedResult(_ driver: Driver, _ method: String) throws -> JSONValue? {
        let store = try B24Store(path: B24Paths.fromEnvironment(driver.services.launch.environment).databaseFile)
        defer { try? store.close() }
        guard let entry = try store.recentHistory(limit: 10, method: method).first else { return nil }
        return try store.trace(id: entry.id)?.response?["result"]
    }

    @Test func theCopiedB24CallLineRunsInAShellAndAnswersTheSame() async throws {
        var options = SandboxOptions()
        options.bucketSetting = .off
        options.operatingLimitSeconds = nil
        let sandbox = try await Sandbox.start(options)
        let webhook = sandbox.adminWebhookURL.absoluteString
        let code = sandbox.adminWebhookURL.lastPathComponent
        // The portal is the saved profile "staging", not the default one: the line must name it.
        let driver = try Driver(launch: { $0.profile = "staging" }, prepare: { launch in
            let store = AuthStore(paths: B24Paths.fromEnvironment(launch.environment))
            let parsed = try WebhookAuth.parse(webhook)
            try store.add(Profile(name: "main", portal: URL(string: "https://main.example.bitrix24.com")!,
                                  auth: .webhook(WebhookAuth(userID: "1", code: Secret("notusedhere123")))), makeDefault: true)
            try store.add(Profile(name: "staging", portal: parsed.portal, auth: .webhook(parsed.auth)))
        })
        await driver.waitFor("Анна Смирнова (id 1)")
        // A quote and Cyrillic in the parameters: the shell must get them back as they were.
        driver.command("call crm.lead.list {\"select\":[\"ID\",\"TITLE\"],\"filter\":{\">ID\":195,\"!TITLE\":\"it's Сделка\"}}")
        await driver.waitFor("Status    ok")
        driver.press(.char("B"))
        await driver.waitFor("copied the call as a b24 call command line")
        let line = await driver.clipboard().last ?? ""
        #expect(line == #"b24 call crm.lead.list --profile staging --params '{"select":["ID","TITLE"],"filter":{">ID":195,"!TITLE":"it'\''s Сделка"}}'"#)
        #expect(!line.contains(code))
        let expected = try #require(try Self.storedResult(driver, "crm.lead.list"))
        // The real binary, found on PATH as a person's shell would, with the console's own profiles.
        var environment = driver.services.launch.environment
        environment["PATH"] = Self.b24Binary.deletingLastPathComponent().path + ":/usr/bin:/bin"
        environment["LANG"] = "C.UTF-8"
        let run = try await Self.shell(line, environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try JSONParser.parse(run.stdout) == expected)
        #expect(expected.arrayValue?.count == 5, "leads 196–200")
        await driver.quit()
        await sandbox.stop()
    }

    @Test func theSecretIsCopiedOnlyAfterYesAndTheCurlCommandWorks() async throws {
        let driver = try Driver(size: Size(width: 120, height: 30))
        await driver.waitFor("Анна Смирнова (id 1)")
        let code = try #require(driver.services.embeddedSandbox?.adminWebhookURL.lastPathComponent)
        driver.command("call crm.lead.list {\"select\":[\"ID\",\"TITLE\"],\"filter\":{\">ID\":197}}")
        await driver.waitFor("Status    ok")
        // The masked copies first: no secret in them.
        driver.press(.char("C"), .char("B"))
        await driver.waitFor("; replace **** with the webhook code")
        var copied = await driver.clipboard()
        #expect(copied.count == 2 && !copied.contains { $0.contains(code) })
        #expect(copied.last?.hasPrefix("b24 call crm.lead.list --webhook 'http://127.0.0.1:") == true)
        #expect(copied.last?.contains("/rest/1/****/'") == true)
        // R asks; anything but y copies nothing.
        driver.press(.char("R"))
        await driver.waitFor("copy the cURL command with the real webhook secret? y/N")
        await driver.waitFor("y copy with the real secret")
        driver.press(.char("n"))
        await driver.waitFor("nothing copied")
        driver.press(.char("R"))
        await driver.waitFor("copy the cURL command with the real webhook secret? y/N")
        driver.press(.escape)
        await driver.waitFor("nothing copied")
        #expect(await driver.screen().text.contains("call crm.lead.list"), "Esc answered the question; it did not go back")
        #expect(await driver.clipboard().count == 2)
        // y copies the real one.
        driver.press(.char("R"))
        await driver.waitFor("y/N")
        driver.press(.char("y"))
        await driver.waitFor("copied the cURL command with the real secret")
        copied = await driver.clipboard()
        let curl = try #require(copied.count == 3 ? copied[2] : nil)
        #expect(curl.contains("/rest/1/\(code)/crm.lead.list"))
        #expect(!(await driver.screen().text.contains(code)), "the secret is never on screen")
        // Run as pasted: the same leads as the console's call.
        let expected = try #require(try Self.storedResult(driver, "crm.lead.list"))
        let run = try await Self.shell(curl, environment: ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try JSONParser.parse(run.stdout)["result"] == expected)
        #expect(expected.arrayValue?.count == 3)
        // Nothing b24 keeps holds the secret: history, audit, inbox.
        let state = driver.root.appendingPathComponent("state")
        let files = FileManager.default.enumerator(at: state, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? []
        #expect(!files.isEmpty)
        for file in files {
            guard let data = try? Data(contentsOf: file) else { continue }
            #expect(data.range(of: Data(code.utf8)) == nil, "\(file.lastPathComponent) holds the webhook code")
        }
        await driver.quit()
    }
}
