import B24Sandbox
import B24Wire
import Foundation
import Testing

/// `b24 call … --diff` in scripts (stdin is not a terminal): preview, apply with --yes, nothing to send, plans.
@Suite("b24 call --diff", .serialized)
struct CallDiffCLITests {
    static func makeLead(_ env: CLIEnvironment) async throws -> String {
        let made = try await env.run(["call", "crm.lead.add", "--webhook", env.webhook, "--confirm-write", "--params",
                                      #"{"fields":{"TITLE":"CLI lead","PHONE":[{"VALUE":"+7 900 555-00-01","VALUE_TYPE":"WORK"}]}}"#])
        #expect(made.status == 0, "add failed: \(made.stderr)")
        return made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func title(_ env: CLIEnvironment, _ id: String) async throws -> String? {
        let read = try await env.run(["call", "crm.lead.get", "--webhook", env.webhook, "--params", "{\"id\":\(id)}"])
        return try JSONParser.parse(read.stdout)["TITLE"]?.stringValue
    }

    @Test("A preview prints old → new and writes nothing; --yes with --confirm-write writes and says verified")
    func previewThenApply() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        let id = try await Self.makeLead(env)
        let params = "{\"id\":\(id),\"fields\":{\"TITLE\":\"CLI renamed\",\"OPENED\":\"Y\"}}"
        let preview = try await env.run(["call", "crm.lead.update", "--webhook", env.webhook, "--params", params, "--diff"])
        #expect(preview.status == 0)
        #expect(preview.stdout.contains("Lead Title (TITLE): \"CLI lead\" → \"CLI renamed\""))
        #expect(preview.stdout.contains("1 written field unchanged"))
        #expect(preview.stderr.contains("not applied"))
        #expect(try await Self.title(env, id) == "CLI lead")

        let unconfirmed = try await env.run(["call", "crm.lead.update", "--webhook", env.webhook, "--params", params, "--diff", "--yes"])
        #expect(unconfirmed.status == 3, "a --yes without --confirm-write is refused")
        #expect(try await Self.title(env, id) == "CLI lead")

        let applied = try await env.run(["call", "crm.lead.update", "--webhook", env.webhook, "--params", params, "--diff", "--yes",
                                         "--confirm-write"])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stderr.contains("verified: every written field holds what was written"))
        #expect(try await Self.title(env, id) == "CLI renamed")
        for output in [preview.stdout, preview.stderr, applied.stdout, applied.stderr] { #expect(!output.contains(env.webhookCode)) }

        let again = try await env.run(["call", "crm.lead.update", "--webhook", env.webhook, "--params", params, "--diff", "--yes",
                                       "--confirm-write"])
        #expect(again.status == 0)
        #expect(again.stderr.contains("nothing to send"))
        #expect(!again.stderr.contains("crm.lead.update ok"), "nothing was sent")
    }

    @Test("--diff --plan-only keeps the old values; the plan runs when fresh and is refused as stale (exit 3, three-way view)")
    func reviewedPlan() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        let id = try await Self.makeLead(env)
        func plan(_ title: String) async throws -> String {
            let made = try await env.run(["call", "crm.lead.update", "--webhook", env.webhook, "--diff", "--plan-only",
                                          "--params", "{\"id\":\(id),\"fields\":{\"TITLE\":\"\(title)\"}}"])
            #expect(made.status == 0, "\(made.stderr)")
            let line = try #require(made.stdout.split(separator: "\n").first { $0.hasPrefix("plan ") })
            return String(line.dropFirst(5).prefix { $0 != ":" })
        }
        let stale = try await plan("Planned A")
        let fresh = try await plan("Planned B")
        // Someone renames the lead: the first plan was made against the old title.
        _ = try await env.run(["call", "crm.lead.update", "--webhook", env.webhook, "--confirm-write",
                               "--params", "{\"id\":\(id),\"fields\":{\"TITLE\":\"Moved\"}}"])
        let refused = try await env.run(["call", "--execute-plan", stale, "--webhook", env.webhook, "--confirm-write"])
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("you saw:      \"CLI lead\""))
        #expect(refused.stderr.contains("now:          \"Moved\""))
        #expect(refused.stderr.contains("would write:  \"Planned A\""))
        #expect(try await Self.title(env, id) == "Moved")
        let other = try await env.run(["call", "--execute-plan", fresh, "--webhook", env.webhook, "--confirm-write"])
        #expect(other.status == 3, "the second plan was reviewed against the same old title")
        let third = try await plan("Planned C")
        let ran = try await env.run(["call", "--execute-plan", third, "--webhook", env.webhook, "--confirm-write"])
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(try await Self.title(env, id) == "Planned C")
    }

    /// Runs `b24 ARGS` on a pseudo-terminal (util-linux `script`), typing `input`; stdout and stderr arrive mixed.
    static func atTerminal(_ env: CLIEnvironment, _ arguments: [String], input: String) async throws -> CLIResult {
        let quoted = ([CLIEnvironment.binary.path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        return try await env.run(["-qec", quoted.joined(separator: " "), "/dev/null"], input: Data(input.utf8),
                                 executable: URL(fileURLWithPath: "/usr/bin/script"))
    }

    @Test("At a terminal: Enter alone cancels, y applies; a delete needs the id typed",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "util-linux script is not installed"))
    func askingAtATerminal() async throws {
        let env = try await CLIEnvironment()
        defer { Task { await env.stop() } }
        let id = try await Self.makeLead(env)
        let update = ["call", "crm.lead.update", "--webhook", env.webhook, "--diff", "--params",
                      "{\"id\":\(id),\"fields\":{\"TITLE\":\"Asked\"}}"]
        let cancelled = try await Self.atTerminal(env, update, input: "\n")
        #expect(cancelled.stdout.contains("Apply this write? [y/N]"))
        #expect(cancelled.stdout.contains("cancelled: nothing was written"))
        #expect(try await Self.title(env, id) == "CLI lead")
        let applied = try await Self.atTerminal(env, update, input: "y\n")
        #expect(applied.stdout.contains("verified"), "\(applied.stdout)")
        #expect(try await Self.title(env, id) == "Asked")

        let delete = ["call", "crm.lead.delete", "--webhook", env.webhook, "--diff", "--params", "{\"id\":\(id)}"]
        let wrong = try await Self.atTerminal(env, delete, input: "y\n")
        #expect(wrong.stdout.contains("DELETE: the whole record goes"))
        #expect(wrong.stdout.contains("Type the id (\(id)) or crm.lead.delete"))
        #expect(wrong.stdout.contains("cancelled"))
        #expect(try await Self.title(env, id) == "Asked", "y is not the id: nothing deleted")
        let typed = try await Self.atTerminal(env, delete, input: "\(id)\n")
        #expect(typed.stdout.contains("verified"), "\(typed.stdout)")
        let gone = try await env.run(["call", "crm.lead.get", "--webhook", env.webhook, "--params", "{\"id\":\(id)}"])
        #expect(gone.status == 4)
    }
}
