@testable import B24Console
import B24Client
import B24Wire
import Foundation
import TerminalKit
import Testing

/// Forms against the embedded sandbox, over real HTTP: fields from `crm.lead.fields`, statuses from
/// `crm.status.list`, a user found by `user.search`, a write confirmed and made, a list filtered, a call from
/// history edited and sent again, and a round trip through a scripted `$EDITOR`.
@Suite("Forms against the embedded sandbox", .serialized)
struct FormDriverTests {
    func openForm(_ driver: Driver, _ method: String) async {
        await driver.waitFor("Анна Смирнова (id 1)", timeout: 30)
        driver.command("call \(method)")
        await driver.waitFor("read-only ones hidden")  // the portal's fields are in
    }

    /// Moves the cursor down (wrapping to the top once) until the input labelled `label` is under it.
    @discardableResult
    func focus(_ driver: Driver, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) async -> Bool {
        var screen = await driver.screen().text
        for _ in 0 ..< 120 {
            if screen.split(separator: "\n").contains(where: { $0.hasPrefix(" › " + label + "  ") }) { return true }
            driver.press(.down)
            let deadline = Date().addingTimeInterval(2)
            while Date() < deadline {
                try? await Task.sleep(nanoseconds: 5_000_000)
                let now = await driver.screen().text
                if now != screen { screen = now; break }
            }
        }
        Issue.record("no input labelled \(label):\n\(screen)", sourceLocation: sourceLocation)
        return false
    }

    /// Waits until the line under the cursor holds every one of `texts` (keys are handled asynchronously).
    func waitForFocused(_ driver: Driver, _ texts: String..., sourceLocation: SourceLocation = #_sourceLocation) async {
        let deadline = Date().addingTimeInterval(10)
        var line = ""
        while Date() < deadline {
            line = await focusedLine(driver)
            if texts.allSatisfy({ line.contains($0) }) { return }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        Issue.record("the focused line is \"\(line)\", not one with \(texts)", sourceLocation: sourceLocation)
    }

    /// The screen line of the input under the cursor.
    func focusedLine(_ driver: Driver) async -> String {
        await driver.screen().text.split(separator: "\n").first { $0.hasPrefix(" › ") }.map(String.init) ?? ""
    }

    func lead(_ driver: Driver, _ id: Int64) async throws -> JSONValue {
        let client = try #require(driver.services.currentClient)
        let outcome = await client.call(CallRequest(method: "crm.lead.get", params: ["id": .int(id)]))
        return try #require(outcome.value)
    }

    @Test func fillALeadWithAStatusAUserAndAPhoneConfirmAndSeeTheNewID() async throws {
        let driver = try Driver(size: Size(width: 100, height: 40))
        await openForm(driver, "crm.lead.add")
        driver.type("Сайт: заявка")
        await waitForFocused(driver, "Сайт: заявка")
        await focus(driver, "Stage")
        driver.press(.enter)                         // the values come from crm.status.list
        await driver.waitFor("IN_PROCESS  В работе")
        driver.type("IN_PR")
        driver.press(.enter)
        await waitForFocused(driver, "IN_PROCESS  В работе")
        await focus(driver, "Responsible User")
        driver.press(.enter)                         // a lookup: the portal is searched for a name
        await driver.waitFor("Find a user")
        driver.type("смирн")
        driver.press(.enter)
        await driver.waitFor("1  Анна Смирнова")
        driver.press(.enter)
        await waitForFocused(driver, "Responsible User", "1", "Анна Смирнова")
        await focus(driver, "Phone")
        driver.press(.enter)
        driver.type("+7 999 123-45-67")
        driver.press(.ctrl("g"))
        await driver.waitFor("Review crm.lead.add")
        await driver.waitFor("+ WORK +7 999 123-45-67")
        driver.press(.tab, .enter)                   // Apply
        await driver.waitFor("crm.lead.add: verified")
        let screen = await driver.screen().text
        let id = try #require(screen.split(separator: "\n").lazy.compactMap { line -> Int64? in
            guard let range = line.range(of: "created record ") else { return nil }
            return Int64(line[range.upperBound...].prefix { $0.isNumber })
        }.first, "the new lead's ID is on screen:\n\(screen)")
        let lead = try await lead(driver, id)
        #expect(lead["TITLE"] == "Сайт: заявка" && lead["STATUS_ID"] == "IN_PROCESS", "lead \(id): \(JSONWriter.compact(lead))")
        #expect(lead["ASSIGNED_BY_ID"]?.stringValue == "1")
        #expect(lead["PHONE"]?[0]?["VALUE"] == "+7 999 123-45-67")
        await driver.quit()
    }

    @Test func listLeadsWithAFilterAndASelectThenReplayTheCallEditedFromHistory() async throws {
        let driver = try Driver(size: Size(width: 100, height: 40))
        await openForm(driver, "crm.lead.list")
        driver.press(.enter)                         // Select
        driver.type("ID")
        driver.press(.char(" "), .backspace, .backspace)
        driver.type("TITLE")
        driver.press(.char(" "), .enter)
        await waitForFocused(driver, "Select", "ID, TITLE")
        driver.press(.down, .enter)                  // Filter: a condition on ID, greater than 197
        driver.type("ID")
        driver.press(.enter)
        await driver.waitFor("How should ID compare?")
        driver.type(">")
        driver.press(.enter)
        await driver.waitFor("where  >ID")
        driver.type("197")
        driver.press(.ctrl("g"))
        await driver.waitFor("Status    ok")
        await driver.waitFor("Paging    total 3")
        var screen = await driver.screen().text
        #expect(screen.contains("ID: \"198\"") && !screen.contains("ID: \"197\"") && !screen.contains("PHONE"))
        // From history: e opens the same call in its form; a changed filter is a new call.
        driver.press(.escape)                        // back to the form (where ':' is text)
        await driver.waitFor("[ Send ]")
        driver.press(.escape)
        driver.command("history")
        await driver.waitFor("Calls (times in UTC) 1/1")
        driver.press(.enter)
        await driver.waitFor("(from history; F5 sends it again)")
        driver.press(.char("e"))
        await driver.waitFor("where  >ID")
        await focus(driver, "   where")  // the condition's line
        driver.press(.ctrl("u"))
        driver.type("198")
        driver.press(.ctrl("g"))
        await driver.waitFor("Paging    total 2")
        screen = await driver.screen().text
        #expect(!screen.contains("ID: \"198\""))
        let history = try B24Store(path: B24Paths.fromEnvironment(driver.services.launch.environment).databaseFile).recentHistory(limit: 5)
        #expect(history.map(\.method) == ["crm.lead.list", "crm.lead.list"])
        await driver.quit()
    }

    @Test func theEditorRoundTripFillsTheFormAndAFailingEditorChangesNothing() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("b24-editor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("editor.sh")
        // A scripted editor: it rewrites the file, unless told to fail or to leave broken JSON.
        try """
        #!/bin/sh
        here=$(dirname "$0")
        if [ -e "$here/fail" ]; then exit 3; fi
        if [ -e "$here/broken" ]; then printf '{"fields": {"TITLE": ' > "$1"; exit 0; fi
        grep -q '"fields"' "$1" || exit 4
        printf '{"fields": {"TITLE": "Из редактора", "PHONE": [{"VALUE": "+49 30 1234567", "VALUE_TYPE": "WORK"}]}}' > "$1"
        """.write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        let driver = try Driver(size: Size(width: 100, height: 40), launch: { $0.environment["EDITOR"] = script.path })
        await openForm(driver, "crm.lead.add")
        driver.type("из формы")
        driver.press(KeyEvent(.function(4)))
        await driver.waitFor("parameters taken from the editor")
        await driver.waitFor("Из редактора")
        try Data().write(to: dir.appendingPathComponent("fail"))
        driver.press(KeyEvent(.function(4)))
        await driver.waitFor("exited with status 3; the form is unchanged")
        try FileManager.default.removeItem(at: dir.appendingPathComponent("fail"))
        try Data().write(to: dir.appendingPathComponent("broken"))
        driver.press(KeyEvent(.function(4)))
        await driver.waitFor("the edited text is not valid JSON")
        await driver.waitFor("The text from the editor, as you left it:")
        try FileManager.default.removeItem(at: dir.appendingPathComponent("broken"))
        driver.press(KeyEvent(.function(2)))         // back to the form: its values are still there
        await driver.waitFor("Из редактора")
        driver.press(.ctrl("g"))
        await driver.waitFor("the edited JSON does not parse")
        driver.press(KeyEvent(.function(4)))         // the text comes back as left; this time it is fixed
        await driver.waitFor("parameters taken from the editor")
        driver.press(.ctrl("g"))
        await driver.waitFor("Review crm.lead.add")
        await driver.waitFor("(TITLE): + \"Из редактора\"")
        await driver.quit()
    }
}
