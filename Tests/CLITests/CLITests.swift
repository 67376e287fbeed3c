import B24Sandbox
import B24Wire
import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite("The b24 binary", .serialized)
struct CLITests {
    @Test("b24 call user.current --webhook: pretty result on stdout, one summary line on stderr, secret nowhere")
    func callWithWebhook() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        let result = try await env.run(["call", "user.current", "--webhook", env.webhook])
        #expect(result.status == 0)
        let body = try JSONParser.parse(result.stdout)
        #expect(body["ID"]?.stringValue == "1")
        #expect(result.stderrLines.count == 1)
        #expect(result.stderr.contains("user.current ok"))
        let json = try await env.run(["call", "user.current", "--webhook", env.webhook, "--json"])
        #expect(try JSONParser.parse(json.stdout)["time"]?["operating"] != nil)
        for output in [result.stdout, result.stderr, json.stdout, json.stderr, env.stateFiles()] {
            #expect(output.contains(env.webhookCode) == false)
        }
    }

    @Test("Waiting for a slow portal costs almost no CPU (the process sleeps instead of polling)")
    func slowAnswerIsCheap() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        env.sandbox.injectFault(.slow(2), method: "user.current", count: 1)
        // bash's `time` reports the wall clock and the CPU the child used, as "REAL USER SYS".
        let script = "TIMEFORMAT='%R %U %S'; time \"$0\" \"$@\""
        let result = try await env.run(["-c", script, CLIEnvironment.binary.path, "call", "user.current", "--webhook", env.webhook],
                                       executable: URL(fileURLWithPath: "/bin/bash"))
        #expect(result.status == 0)
        let times = (result.stderrLines.last ?? "").split(separator: " ").compactMap { Double($0) }
        try #require(times.count == 3, "bash time output: \(result.stderr)")
        #expect(times[0] >= 1.9)
        // Busy polling would burn about one core for the whole wait.
        #expect(times[1] + times[2] < times[0] * 0.3, "real \(times[0]) s, cpu \(times[1] + times[2]) s")
    }

    @Test("Profiles: add from a pasted webhook URL, list and show masked, use, remove; 0600 file; loose file refused")
    func profiles() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        let add = try await env.run(["profile", "add", "demo", "--webhook", env.webhook + "profile.json"])
        #expect(add.status == 0)
        let list = try await env.run(["profile", "list"])
        #expect(list.stdout.contains("* demo"))
        let show = try await env.run(["profile", "show", "demo"])
        #expect(show.stdout.contains("****"))
        for output in [add.stdout, list.stdout, show.stdout] { #expect(output.contains(env.webhookCode) == false) }
        #expect(try await env.run(["call", "user.current"]).status == 0, "the first profile is the default")

        let file = env.root.appendingPathComponent("config/b24/profiles.json").path
        let mode = (try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        let refused = try await env.run(["call", "user.current"])
        #expect(refused.status == 64)
        #expect(refused.stderrLines.count == 1)
        #expect(refused.stderr.contains("chmod 600"))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)

        #expect(try await env.run(["profile", "add", "demo", "--webhook", env.webhook]).status == 64, "duplicate name")
        #expect(try await env.run(["profile", "add", "bad", "--webhook", "http://example.com/rest/1/abc/"]).status == 64,
                "plain http only on loopback")
        #expect(try await env.run(["profile", "remove", "demo"]).status == 0)
        let none = try await env.run(["call", "user.current"])
        #expect(none.status == 64)
        #expect(none.stderr.contains("b24 profile add"))
    }

    @Test("The seed's environment variables work as an unnamed profile, with B24_PACKS")
    func environmentProfile() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        let url = env.sandbox.adminWebhookURL
        let variables = [
            "B24_DOMAIN": "http://127.0.0.1:\(url.port!)", "B24_AUTH_MODE": "webhook",
            "B24_WEBHOOK_USER_ID": "1", "B24_WEBHOOK_CODE": env.webhookCode,
        ]
        #expect(try await env.run(["call", "user.current"], extraEnvironment: variables).status == 0)
        let blocked = try await env.run(["call", "im.message.add", "--params", #"{"DIALOG_ID":"1","MESSAGE":"hi"}"#, "--confirm-write"],
                                        extraEnvironment: variables)
        #expect(blocked.status == 3)
        let allowed = try await env.run(["call", "department.get"], extraEnvironment: variables.merging(["B24_PACKS": "none"]) { $1 })
        #expect(allowed.status == 3, "B24_PACKS=none allows nothing")
        // A saved profile is narrowed by B24_PACKS as well; --packs overrides the variable.
        #expect(try await env.run(["profile", "add", "saved", "--webhook", env.webhook]).status == 0)
        let narrowed = try await env.run(["call", "crm.lead.list"], extraEnvironment: ["B24_PACKS": "diagnostics"])
        #expect(narrowed.status == 3, "\(narrowed.stderr)")
        let flag = try await env.run(["call", "crm.lead.list", "--packs", "core"], extraEnvironment: ["B24_PACKS": "diagnostics"])
        #expect(flag.status == 0, "\(flag.stderr)")
        // …but never widened: the saved profile has only core, so diagnostics stays shut.
        let kept = try await env.run(["call", "crm.lead.list"], extraEnvironment: ["B24_PACKS": "core,diagnostics"])
        #expect(kept.status == 0, "\(kept.stderr)")
        let widened = try await env.run(["call", "server.time"], extraEnvironment: ["B24_PACKS": "core,diagnostics"])
        #expect(widened.status == 3, "\(widened.stderr)")
        let planned = try await env.run(["call", "crm.lead.add", "--params", #"{"fields":{"TITLE":"x"}}"#, "--confirm-write"],
                                        extraEnvironment: ["B24_REQUIRE_PLAN": "y"])
        #expect(planned.status == 3, "B24_REQUIRE_PLAN applies to saved profiles: \(planned.stderr)")
        let typo = try await env.run(["call", "crm.lead.add", "--params", #"{"fields":{"TITLE":"x"}}"#, "--confirm-write"],
                                     extraEnvironment: ["B24_REQUIRE_PLAN": "maybe"])
        #expect(typo.status == 64)
        #expect(typo.stderr == "b24: B24_REQUIRE_PLAN must be 1/true/yes/y or 0/false/no/n, not \"maybe\"\n")
    }

    @Test("Bad input: each gives one line on stderr and its documented exit code, nothing recorded as a success")
    func badInput() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        let invalidUTF8 = try env.file("bad.json", Data([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D]))
        let huge = try env.file("huge.json", Data(("{\"fields\":{\"TITLE\":\"" + String(repeating: "x", count: 10_000_000) + "\"}}").utf8))
        let cases: [(String, [String], Int32)] = [
            ("malformed params", ["call", "user.get", "--params", "{ID:", "--webhook", env.webhook], 64),
            ("params not an object", ["call", "user.get", "--params", "[1,2]", "--webhook", env.webhook], 64),
            ("unknown pack", ["call", "user.get", "--packs", "nosuchpack", "--webhook", env.webhook], 64),
            ("method with spaces", ["call", "user get", "--webhook", env.webhook], 64),
            ("invalid UTF-8 params file", ["call", "user.get", "--params", "@" + invalidUTF8, "--webhook", env.webhook], 64),
            ("10 MB body", ["call", "crm.lead.add", "--params", "@" + huge, "--confirm-write", "--webhook", env.webhook], 4),
            ("refused connection", ["call", "user.current", "--webhook", "http://127.0.0.1:9/rest/1/abcdefabcdef1234/"], 5),
            ("unknown host", ["call", "user.current", "--webhook", "https://no-such-host.invalid/rest/1/abcdefabcdef1234/"], 5),
            ("misspelled command", ["histroy"], 64),
            ("help for an unknown command", ["help", "nosuch"], 64),
            ("unknown option", ["call", "user.current", "--bogus", "--webhook", env.webhook], 64),
            ("--all-pages on a method that is not a list", ["call", "user.current", "--all-pages", "--webhook", env.webhook], 64),
            ("port out of range", ["call", "user.current", "--webhook", "http://127.0.0.1:99999/rest/1/abcdefabcdef1234/"], 64),
            ("profile with a port out of range", ["profile", "add", "far", "--webhook", "https://example.com:70000/rest/1/abcdefabcdef1234/"], 64),
            ("infinite timeout", ["call", "user.current", "--timeout", "inf", "--webhook", env.webhook], 64),
            ("timeout beyond a day", ["call", "user.current", "--timeout", "1e10", "--webhook", env.webhook], 64),
            ("write without confirmation", ["call", "crm.lead.add", "--params", #"{"fields":{"TITLE":"x"}}"#, "--webhook", env.webhook], 3),
        ]
        for (name, arguments, expected) in cases {
            let result = try await env.run(arguments)
            #expect(result.status == expected, "\(name): exit \(result.status), stderr \(result.stderr)")
            #expect(result.stderrLines.count == 1, "\(name): \(result.stderr)")
            #expect(result.stderr.hasPrefix("b24: "), "\(name)")
            #expect(result.stdout.isEmpty, "\(name)")
        }
        // A webhook URL typed where an argument was expected: the parser's error must not echo the code.
        let stray = try await env.run(["call", "user.current", "http://127.0.0.1:9/rest/1/strayc0de/"])
        #expect(stray.status == 64)
        #expect(stray.stderrLines.count == 1)
        #expect(stray.stderr.contains("strayc0de") == false)
        // --json prints a portal error in the portal's own envelope, besides the one stderr line.
        let missingLead = try await env.run(["call", "crm.lead.get", "--params", #"{"id":999999999}"#, "--json", "--webhook", env.webhook])
        #expect(missingLead.status == 4)
        #expect(try JSONParser.parse(missingLead.stdout)["error_description"]?.stringValue?.isEmpty == false)
        #expect(missingLead.stderrLines.count == 1)
        let misspelled = try await env.run(["cal", "user.current"])
        #expect(misspelled.stderr.hasPrefix("b24: unknown command 'cal' (did you mean call?); commands: console, call,"))
        let option = try await env.run(["call", "user.current", "--bogus"])
        #expect(option.stderr.hasSuffix("(see b24 call --help)\n"))
        // Invalid UTF-8 typed inline (Swift's arguments would turn it into U+FFFD and send that).
        let script = "exec \"$0\" call user.get --params \"$(printf '{\"NAME\":\"\\377\"}')\" --webhook \"$1\""
        let inline = try await env.run(["-c", script, CLIEnvironment.binary.path, env.webhook],
                                       executable: URL(fileURLWithPath: "/bin/bash"))
        #expect(inline.status == 64)
        #expect(inline.stderr == "b24: argument 4 is not valid UTF-8 (Bitrix24 takes UTF-8 text only)\n", "\(inline.stderr)")
        #expect(env.sandbox.stats.calls("user.get") == 0)
        // Files that cannot be read say why.
        let missing = try await env.run(["call", "user.get", "--params", "@" + env.root.path + "/no-such.json", "--webhook", env.webhook])
        #expect(missing.status == 64)
        #expect(missing.stderr.hasSuffix("/no-such.json: No such file or directory\n"), "\(missing.stderr)")
        let directory = try await env.run(["batch", "--cmd-file", env.root.path, "--webhook", env.webhook])
        #expect(directory.status == 64)
        #expect(directory.stderr == "b24: cannot read --cmd-file \(env.root.path): it is a directory\n")
        // A wrong webhook code is rejected credentials: exit 7.
        let wrongCode = try await env.run(["call", "user.current", "--webhook", env.webhook.replacingOccurrences(of: env.webhookCode, with: "wrongcode12345")])
        #expect(wrongCode.status == 7, "\(wrongCode.stderr)")
        #expect(wrongCode.stderrLines.count == 1)
        // Faulty portal answers, through the sandbox's fault injection.
        env.sandbox.injectFault(.html, method: "user.current", count: 10)
        let html = try await env.run(["call", "user.current", "--webhook", env.webhook])
        #expect(html.status == 5)
        #expect(html.stderrLines.count == 1)
        env.sandbox.injectFault(.truncate, method: "department.get", count: 10)
        let truncated = try await env.run(["call", "department.get", "--webhook", env.webhook])
        #expect(truncated.status == 5)
        #expect(truncated.stderr.contains("truncated"))
        env.sandbox.injectFault(.slow(3), method: "user.get", count: 10)
        let slow = try await env.run(["call", "user.get", "--webhook", env.webhook, "--timeout", "0.5"])
        #expect(slow.status == 5)
        #expect(slow.stderr.contains("timeout") || slow.stderr.contains("no answer"))
        env.sandbox.injectFault(.dropAfterRunning, method: "crm.lead.add", count: 1)
        let unknown = try await env.run(["call", "crm.lead.add", "--params", #"{"fields":{"TITLE":"lost"}}"#, "--confirm-write",
                                         "--webhook", env.webhook])
        #expect(unknown.status == 6)
        #expect(unknown.stderr.contains("outcome unknown"))
        #expect(env.stateFiles().contains(env.webhookCode) == false)
    }

    @Test("b24 history shows read calls (kept in the inbox) and writes (kept in the database), newest first, and one trace")
    func historyOfReadsAndWrites() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        let inbox = env.root.appendingPathComponent("state/b24/b24.sqlite-inbox.jsonl")
        #expect(try await env.run(["call", "user.current", "--webhook", env.webhook]).status == 0)
        // A read call does not open the database: its trace waits in the inbox.
        #expect(FileManager.default.fileExists(atPath: inbox.path))
        let add = try await env.run(["call", "crm.lead.add", "--webhook", env.webhook, "--confirm-write",
                                     "--params", #"{"fields":{"TITLE":"From history test"}}"#])
        #expect(add.status == 0, "\(add.stderr)")
        #expect(try await env.run(["call", "department.get", "--webhook", env.webhook]).status == 0)

        let list = try await env.run(["history", "--limit", "10"])
        #expect(list.status == 0, "\(list.stderr)")
        let methods = list.stdout.split(separator: "\n").compactMap { line in
            line.split(separator: " ", omittingEmptySubsequences: true).first { $0.contains(".") && !$0.contains(":") }
        }
        #expect(methods == ["department.get", "crm.lead.add", "user.current"])
        #expect(!FileManager.default.fileExists(atPath: inbox.path))

        let id = try #require(list.stdout.split(separator: " ").first.map(String.init))
        let trace = try await env.run(["history", id])
        #expect(trace.status == 0)
        #expect(trace.stdout.contains("department.get"))
        #expect(trace.stdout.contains("200"))
        let json = try await env.run(["history", id, "--json"])
        let started = try #require(try JSONParser.parse(json.stdout)["startedAt"]?.stringValue)
        #expect(started.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) != nil, "\(started)")
        for output in [list.stdout, trace.stdout, env.stateFiles()] {
            #expect(output.contains(env.webhookCode) == false)
        }
    }

    @Test("b24 history --prune keeps the newest calls it is told to; retention settings are checked before a call")
    func historyPrune() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        for method in ["user.current", "department.get", "user.get"] {
            #expect(try await env.run(["call", method, "--webhook", env.webhook]).status == 0)
        }
        let prune = try await env.run(["history", "--prune", "--keep-calls", "1"])
        #expect(prune.status == 0, "\(prune.stderr)")
        #expect(prune.stdout.hasPrefix("deleted 2 calls from history, 0 expired plans, 0 expired idempotency keys"))
        #expect(prune.stdout.contains("history keeps the last 30 days, at most 1 call\n"))
        let list = try await env.run(["history"])
        #expect(list.stdout.split(separator: "\n").count == 1)
        #expect(list.stdout.contains(" user.get "))

        let stray = try await env.run(["history", "--keep-days", "3"])
        #expect(stray.status == 64)
        #expect(stray.stderr.contains("--keep-days and --keep-calls go with --prune"))
        let badSetting = try await env.run(["call", "user.current", "--webhook", env.webhook],
                                           extraEnvironment: ["B24_HISTORY_DAYS": "a month"])
        #expect(badSetting.status == 64)
        #expect(badSetting.stderr.contains("B24_HISTORY_DAYS must be a whole number of days"))
        #expect(env.sandbox.stats.calls("user.current") == 1)
    }

    @Test("A large answer: b24 history ID reads it back whole; pruning its last call deletes it too")
    func largeAnswerInHistory() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        // About 70 KB of compact JSON: over the 64 KB from which history keeps an answer apart from its row.
        let arguments = ["call", "crm.lead.list", "--webhook", env.webhook, "--params", #"{"select":["*","UF_*","PHONE","EMAIL"]}"#, "--json"]
        let first = try await env.run(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        let envelope = try JSONParser.parse(first.stdout)
        #expect(JSONWriter.compact(envelope).utf8.count > 64 * 1024)
        // Sent again: the same leads, another `time`.
        #expect(try await env.run(arguments).status == 0)
        let ids = try await env.run(["history"]).stdout.split(separator: "\n").map { String($0.prefix(8)) }
        #expect(ids.count == 2)
        for id in ids {
            let shown = try await env.run(["history", id, "--json"])
            #expect(shown.status == 0, "\(shown.stderr)")
            // --json sorts keys; the leads themselves are strings and lists, so the result compares exactly.
            #expect(sortingKeys(try JSONParser.parse(shown.stdout)["response"]?["result"] ?? .null) == sortingKeys(envelope["result"] ?? .null))
        }
        #expect(try await env.run(["call", "user.current", "--webhook", env.webhook]).status == 0)
        // The two calls shared one stored result: it goes only when both are pruned.
        let prune = try await env.run(["history", "--prune", "--keep-calls", "1"])
        #expect(prune.stdout.hasPrefix("deleted 2 calls from history (and 1 large response no call uses any more), 0 expired plans"),
                "\(prune.stdout)")
    }

    @Test("A history inbox past its threshold is imported by the read call that fills it")
    func fullInboxIsImported() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        let inbox = env.root.appendingPathComponent("state/b24/b24.sqlite-inbox.jsonl")
        #expect(try await env.run(["call", "user.current", "--webhook", env.webhook]).status == 0)
        // Thousands of earlier read calls: copies of this one's line under their own ids, 64 KiB short of 4 MiB.
        let threshold = 4 << 20
        let line = try #require(String(contentsOf: inbox, encoding: .utf8).split(separator: "\n").first.map(String.init))
        let id = try #require(JSONParser.parse(line)["id"]?.stringValue)
        var text = line + "\n"
        var copies = 0
        func copy() -> String {
            copies += 1
            return line.replacingOccurrences(of: id, with: "copy-\(copies)")
        }
        while text.utf8.count + line.utf8.count + 1 < threshold - (64 << 10) { text += copy() + "\n" }
        try text.write(to: inbox, atomically: false, encoding: .utf8)
        #expect(try await env.run(["call", "department.get", "--webhook", env.webhook]).status == 0)
        #expect(FileManager.default.fileExists(atPath: inbox.path), "below the threshold the inbox only grows")
        // One more line, padded (JSON allows trailing spaces) to leave the inbox a byte short of the threshold.
        let handle = try FileHandle(forWritingTo: inbox)
        let size = Int(try handle.seekToEnd())
        let last = copy()
        try handle.write(contentsOf: Data((last + String(repeating: " ", count: threshold - 1 - size - last.utf8.count - 1) + "\n").utf8))
        try handle.close()
        #expect(try await env.run(["call", "department.get", "--webhook", env.webhook]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: inbox.path), "past the threshold the call imports it")
        let list = try await env.run(["history", "--limit", "100000"])
        #expect(list.stdout.split(separator: "\n").count == copies + 3)
    }

    @Test("A write stopped by a signal is recorded as outcome unknown and is not resent by a re-run")
    func stoppedWrite() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        env.sandbox.injectFault(.slow(5), method: "crm.lead.add", count: 1)
        let params = #"{"fields":{"TITLE":"Stopped"}}"#
        let script = "\"$0\" \"$@\" & pid=$!; sleep 1.5; kill -TERM $pid; wait $pid"
        let stopped = try await env.run(["-c", script, CLIEnvironment.binary.path, "call", "crm.lead.add", "--params", params,
                                         "--confirm-write", "--webhook", env.webhook],
                                        executable: URL(fileURLWithPath: "/bin/bash"))
        #expect(stopped.status == 128 + 15)
        #expect(stopped.stderr == "b24: outcome unknown for crm.lead.add: b24 was stopped while the write was under way. "
            + "The write may have run and was not resent; check the portal first.\n", "\(stopped.stderr)")
        let again = try await env.run(["call", "crm.lead.add", "--params", params, "--confirm-write", "--webhook", env.webhook])
        #expect(again.status == 6)
        #expect(again.stderr.contains("its answer was lost"))
        let history = try await env.run(["history"])
        #expect(history.stdout.contains("crm.lead.add  unknown OUTCOME_UNKNOWN"), "\(history.stdout)")
        let id = try #require(history.stdout.split(separator: "\n").last?.split(separator: " ").first.map(String.init))
        let trace = try await env.run(["history", id])
        #expect(trace.stdout.contains("stopped by a signal"), "the attempt under way is in the trace:\n\(trace.stdout)")
        let audit = try String(contentsOf: env.root.appendingPathComponent("state/b24/audit.jsonl"), encoding: .utf8)
        #expect(audit.contains(#""method":"crm.lead.add","risk":"write","status":"unknown""#), "\(audit)")

        // Stopped while still waiting for the rate limiter: nothing was sent, so the key is released.
        #expect(try await env.run(["call", "user.current", "--bucket", "1/0.2", "--webhook", env.webhook]).status == 0)
        let other = #"{"fields":{"TITLE":"Never sent"}}"#
        let waiting = try await env.run(["-c", script, CLIEnvironment.binary.path, "call", "crm.lead.add", "--params", other,
                                         "--confirm-write", "--bucket", "1/0.2", "--webhook", env.webhook],
                                        executable: URL(fileURLWithPath: "/bin/bash"))
        #expect(waiting.status == 128 + 15)
        #expect(waiting.stderrLines.last == "b24: blocked: b24 was stopped before crm.lead.add was sent; nothing reached the portal",
                "\(waiting.stderr)")
        let sent = try await env.run(["call", "crm.lead.add", "--params", other, "--confirm-write", "--webhook", env.webhook])
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(env.sandbox.stats.calls("crm.lead.add") == 2, "the stopped write and this one; the waiting one never left")
    }

    @Test("An unconfirmed write is refused on stderr with the flag that allows it, and audited")
    func unconfirmedWriteWording() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        let run = try await env.run(["call", "crm.lead.add", "--params", #"{"fields":{"TITLE":"x"}}"#, "--webhook", env.webhook])
        #expect(run.status == 3)
        #expect(run.stdout.isEmpty)
        #expect(run.stderrLines == ["b24: blocked: crm.lead.add is a write call: add --confirm-write to run it"], "\(run.stderr)")
        #expect(env.sandbox.stats.calls("crm.lead.add") == 0)
        let audit = try String(contentsOf: env.root.appendingPathComponent("state/b24/audit.jsonl"), encoding: .utf8)
        #expect(audit.contains(#""method":"crm.lead.add","risk":"write","status":"error","error_code":"POLICY""#), "\(audit)")
    }

    @Test("A spent operating-time budget beyond --max-operating-wait is refused with the flag that would allow the wait")
    func operatingBudgetWording() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        // The portal says the budget is spent without a reset time: b24 assumes a whole window (600 s).
        env.sandbox.injectFault(.status(429), method: "user.current", count: 1)
        let prefix = "b24: blocked: user.current has used its operating-time budget (OPERATION_TIME_LIMIT); it resets in "
        let suffix = " s — wait, or pass a larger --max-operating-wait"
        for run in 1...2 {
            // Run 1 learns it from the portal's 429; run 2 from the shared budget file, before sending anything.
            let refused = try await env.run(["call", "user.current", "--max-operating-wait", "5", "--webhook", env.webhook])
            #expect(refused.status == 3)
            #expect(refused.stderrLines.count == 1, "\(refused.stderr)")
            let line = refused.stderrLines.first ?? ""
            let seconds = Int(line.dropFirst(prefix.count).prefix { $0.isNumber }) ?? 0
            #expect(line.hasPrefix(prefix) && line.hasSuffix(suffix) && (590...600).contains(seconds), "run \(run): \(line)")
        }
        #expect(env.sandbox.stats.calls("user.current") == 0)
    }

    @Test("A long wait is announced on stderr before it starts")
    func waitsAreAnnounced() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        // A bucket of one slot refilling at 0.25 per second: the second process waits up to 4 s (less the time
        // it took to start).
        let first = try await env.run(["call", "user.current", "--bucket", "1/0.25", "--webhook", env.webhook])
        #expect(first.status == 0)
        #expect(first.stderr.contains("waiting") == false)
        let second = try await env.run(["call", "user.current", "--bucket", "1/0.25", "--webhook", env.webhook])
        #expect(second.status == 0)
        let lines = second.stderrLines
        #expect(lines.count == 2, "\(second.stderr)")
        let announced = try #require(lines.first)
        let seconds = Double(announced.dropFirst("waiting ".count).prefix { $0 != " " }) ?? 0
        #expect(announced.hasPrefix("waiting ") && seconds >= 2 && seconds <= 4.5, "\(announced)")
        #expect(announced.hasSuffix(" s for the rate limiter of 127.0.0.1:\(env.sandbox.port)"))
        #expect(lines.last?.contains("user.current ok · waited ") == true)
    }

    @Test("Plans through the CLI: --plan-only prints an id, --execute-plan runs it once")
    func plans() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        #expect(try await env.run(["profile", "add", "demo", "--webhook", env.webhook]).status == 0)
        let params = #"{"fields":{"TITLE":"Planned from CLI"}}"#
        let plan = try await env.run(["call", "crm.lead.add", "--params", params, "--plan-only"])
        #expect(plan.status == 0)
        let id = try #require(plan.stdout.split(separator: " ").dropFirst().first.map { String($0.dropLast()) })
        #expect(env.sandbox.stats.calls("crm.lead.add") == 0)
        let run = try await env.run(["call", "--execute-plan", id, "--confirm-write"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(env.sandbox.stats.calls("crm.lead.add") == 1)
        let again = try await env.run(["call", "--execute-plan", id, "--confirm-write"])
        #expect(again.status == 3)
        #expect(again.stderr.contains("already executed"))
        let required = try await env.run(["call", "crm.lead.add", "--params", params, "--confirm-write"],
                                         extraEnvironment: ["B24_REQUIRE_PLAN": "1"])
        #expect(required.status == 3)
    }

    @Test("--all-pages and b24 batch --cmd-file")
    func pagingAndBatch() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        let all = try await env.run(["call", "crm.lead.list", "--params", #"{"select":["ID"]}"#, "--all-pages", "--webhook", env.webhook])
        #expect(all.status == 0)
        #expect(try JSONParser.parse(all.stdout).arrayValue?.count == 200)
        #expect(all.stderr.contains("200 items in 4 pages (total 200)"))
        let commands = try env.file("cmds.json", Data(#"{"me":"user.current","lead":"crm.lead.get?id=$result[me][ID]"}"#.utf8))
        let batch = try await env.run(["batch", "--cmd-file", commands, "--json", "--webhook", env.webhook])
        #expect(batch.status == 0, "\(batch.stderr)")
        let results = try JSONParser.parse(batch.stdout)
        #expect(results["me"]?["result"]?["ID"]?.stringValue == "1")
        #expect(results["lead"]?["result"]?["ID"]?.stringValue == "1")
        let viaCall = try await env.run(["call", "batch", "--params", #"{"halt":1,"cmd":{"me":"user.current","bad":"crm.lead.get?id=999999999","later":"department.get"}}"#,
                                         "--json", "--webhook", env.webhook])
        #expect(viaCall.status == 4, "a failed command makes the exit code a portal error")
        let perCommand = try JSONParser.parse(viaCall.stdout)
        #expect(perCommand["me"]?["ran"]?.boolValue == true)
        #expect(perCommand["bad"]?["error"] != nil)
        #expect(perCommand["later"]?["ran"]?.boolValue == false)

        // A write batch with a failing command is replayed on a re-run, and the summary says so.
        let partial = try env.file("partial.json", Data(#"{"add":"crm.lead.add?fields[TITLE]=Partial","bad":"crm.lead.update?id=999999999&fields[TITLE]=x"}"#.utf8))
        let firstRun = try await env.run(["batch", "--cmd-file", partial, "--confirm-write", "--webhook", env.webhook])
        #expect(firstRun.status == 4)
        #expect(firstRun.stderr.contains("replayed") == false)
        let secondRun = try await env.run(["batch", "--cmd-file", partial, "--confirm-write", "--webhook", env.webhook])
        #expect(secondRun.status == 4)
        #expect(secondRun.stderr.contains("1 of 2 batch commands failed (1 batch call); see the per-command errors above · replayed from idempotency key"),
                "\(secondRun.stderr)")
        // A split write batch whose second call loses its answer: the first call's 50 results are still printed.
        var sixty = JSONObject()
        for index in 0..<60 { sixty["add\(index)"] = .string("crm.lead.add?fields[TITLE]=Sixty \(index)") }
        let sixtyFile = try env.file("sixty.json", Data(JSONWriter.compact(.object(sixty)).utf8))
        env.sandbox.injectFault(.dropAfterRunning, method: "batch", count: 1, after: 1)
        let lost = try await env.run(["batch", "--cmd-file", sixtyFile, "--confirm-write", "--json", "--webhook", env.webhook])
        #expect(lost.status == 6, "\(lost.stderr)")
        #expect(try JSONParser.parse(lost.stdout).objectValue?.count == 50)
        #expect(lost.stderr.contains("50 of 60 commands were answered by the first 1 batch call (printed above); batch call 2 failed:"))
        #expect(lost.stderr.contains("outcome unknown"))
    }

    @Test("Two processes with the same expired token: exactly one refresh, both calls succeed")
    func twoProcessesOneRefresh() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        let add = try await env.run(["profile", "add", "app", "--oauth", "--portal", env.sandbox.baseURL.absoluteString,
                                     "--client-id", env.sandbox.oauthClientID, "--client-secret", env.sandbox.oauthClientSecret,
                                     "--oauth-server", env.sandbox.oauthServerURL.absoluteString])
        #expect(add.status == 0, "\(add.stderr)")
        try await login(env)
        env.sandbox.expireAccessTokens()
        async let first = env.run(["call", "user.current", "--profile", "app"])
        async let second = env.run(["call", "user.current", "--profile", "app"])
        let (a, b) = try await (first, second)
        #expect(a.status == 0, "\(a.stderr)")
        #expect(b.status == 0, "\(b.stderr)")
        #expect(env.sandbox.stats.tokenGrants["refresh_token"] == 1)
        let show = try await env.run(["profile", "show", "app"])
        #expect(show.stdout.contains("access:      ****"))
    }

    @Test("b24 login prints the authorize URL, receives the redirect, stores tokens and exits 0")
    func loginCommand() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        _ = try await env.run(["profile", "add", "app", "--oauth", "--portal", env.sandbox.baseURL.absoluteString,
                               "--client-id", env.sandbox.oauthClientID, "--client-secret", env.sandbox.oauthClientSecret,
                               "--oauth-server", env.sandbox.oauthServerURL.absoluteString])
        try await login(env)
        #expect(env.sandbox.stats.tokenGrants["authorization_code"] == 1)
        #expect(try await env.run(["call", "user.current", "--profile", "app"]).status == 0)
    }

    /// Runs `b24 login app`, plays the browser on the printed URL, and waits for a clean exit.
    private func login(_ env: CLIEnvironment) async throws {
        let process = Process()
        process.executableURL = CLIEnvironment.binary
        process.arguments = ["login", "app", "--timeout", "20"]
        process.environment = env.environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let printed = await offPool {
            var printed = ""
            while !printed.contains("\n  http") || !printed.hasSuffix("\n") {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                printed += String(decoding: chunk, as: UTF8.self)
            }
            return printed
        }
        let line = try #require(printed.split(separator: "\n").first { $0.hasPrefix("  http") })
        let url = try #require(URL(string: line.trimmingCharacters(in: .whitespaces)))
        _ = try await URLSession(configuration: .ephemeral).data(from: url)
        await offPool { process.waitUntilExit() }
        #expect(process.terminationStatus == 0)
    }
}

/// The value with every object's keys in sorted order (`b24 history ID --json` sorts them).
private func sortingKeys(_ value: JSONValue) -> JSONValue {
    switch value {
    case .array(let items): return .array(items.map(sortingKeys))
    case .object(let object):
        var sorted = JSONObject()
        for key in object.keys.sorted() { sorted[key] = sortingKeys(object[key]!) }
        return .object(sorted)
    default: return value
    }
}
