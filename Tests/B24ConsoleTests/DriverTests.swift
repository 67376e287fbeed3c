@testable import B24Console
import B24Client
import B24Sandbox
import Foundation
import TerminalKit
import Testing

@Suite("Scripted console against the embedded sandbox", .serialized)
struct DriverTests {
    @Test func homeShowsSandboxUserAndMethodAvailability() async throws {
        let driver = try Driver()
        await driver.waitFor("sandbox portal — no account needed")
        await driver.waitFor("Анна Смирнова (id 1)")  // user.current through B24Client
        await driver.waitFor("on the portal")           // methods
        let home = await driver.screen().text
        #expect(home.contains("http://127.0.0.1:"))
        #expect(!home.contains(driver.services.embeddedSandbox!.adminWebhookURL.lastPathComponent))  // code masked
        driver.command("method crm.lead.list")
        await driver.waitFor("available on this portal (method.get)")
        driver.press(.escape)
        driver.command("method imbot.command.register")
        await driver.waitFor("not on this portal")
        await driver.quit()
    }

    @Test func packMethodChainSearchAndResize() async throws {
        let driver = try Driver(size: Size(width: 80, height: 24))
        await driver.waitFor("Анна Смирнова")
        driver.press(.enter)                      // Packs
        await driver.waitFor("Packs 1/")
        driver.press(.enter)                      // core
        await driver.waitFor("Methods of core")
        driver.press(.char("j"), .char("j"), .char("j"), .char("j"), .enter)  // crm.lead.list
        await driver.waitFor("Parameters")
        await driver.waitFor("available")
        driver.press(.escape, .tab, .enter)       // chains pane → first chain
        await driver.waitFor("Steps and guardrails")
        driver.press(.char("/"))
        driver.type("open lines")
        await driver.waitFor("imconnector.list")
        driver.resize(to: Size(width: 30, height: 8))
        await driver.waitFor("terminal too small")
        driver.resize(to: Size(width: 120, height: 40))
        await driver.waitFor("Results for \"open lines\"")
        let s = await driver.screen()
        #expect(s.size == Size(width: 120, height: 40))
        await driver.quit()
    }

    @Test func otherPackAppearsFromLiveDiscovery() async throws {
        let driver = try Driver()
        await driver.waitFor("not in the catalog")
        driver.command("pack other")
        await driver.waitFor("Methods of other")
        await driver.quit()
    }

    @Test func brokenConfigStillStartsWithDefaults() async throws {
        let driver = try Driver(size: Size(width: 100, height: 30), files: ["config/b24/config.toml": "[keys]\nquit = \"ctrl+nope\"\n"])
        await driver.waitFor("config.toml: key \"keys.quit\": bad")
        #expect(driver.runtime.state.status?.text.hasPrefix("~/config/b24/config.toml: key \"keys.quit\": bad key name \"ctrl+nope\" (examples: \"q\", \"ctrl+x\", \"shift+tab\", \"pgdn\", \"f5\")") == true)
        await driver.quit()  // q still quits: defaults kept
    }

    @Test func remappedKeysAndThemeSwitch() async throws {
        let driver = try Driver(files: ["config/b24/config.toml": "[keys]\nquit = [\"x\"]\n"])
        await driver.waitFor("Анна Смирнова")
        driver.command("theme light")
        await driver.waitFor("theme light")
        driver.command("theme nosuch")
        await driver.waitFor("nosuch")
        #expect(driver.runtime.state.status?.text.hasSuffix("nosuch.toml: unknown theme \"nosuch\"") == true)
        driver.press(.char("q"))                  // unbound now
        try await Task.sleep(nanoseconds: 100_000_000)
        #expect(!driver.runtime.state.quitting)
        driver.press(.char("x"))
        await driver.finish()
    }

    @Test func brokenUserThemeNamesFileAndKey() async throws {
        let driver = try Driver(launch: { $0.theme = "mine" },
                                files: ["config/b24/themes/mine.toml": "[palette]\nerror = \"reddish\"\n"])
        await driver.waitFor("~/config/b24/themes/mine.toml: key \"palette.error\":")
        #expect(driver.runtime.state.status?.text.contains("unknown colour \"reddish\"") == true)
        await driver.quit()
    }
}

@Suite("A call from the console against the embedded sandbox", .serialized)
struct ConsoleCallDriverTests {
    @Test func callListLeadsWithAFilterAndASelectAndReadTheTree() async throws {
        let driver = try Driver(size: Size(width: 100, height: 30))
        await driver.waitFor("Анна Смирнова (id 1)")
        driver.command("call crm.lead.list {\"select\":[\"ID\",\"TITLE\"],\"filter\":{\">ID\":197}}")
        await driver.waitFor("Status    ok")
        await driver.waitFor("ID: \"198\"")
        let screen = await driver.screen().text
        #expect(screen.contains("Paging    total 3"))
        #expect(!screen.contains("ID: \"197\""), "the >ID filter reached the portal")
        #expect(!screen.contains("PHONE"), "the select reached the portal")
        // y copies the selected value (the title itself), Y its path, C the call as cURL: through the terminal.
        driver.press(.down, .down, .down)
        driver.press(.char("y"), .char("Y"), .char("C"))
        await driver.waitFor("copied the call as a cURL command")
        let clipboard = await driver.clipboard()
        #expect(clipboard.count == 3)
        if clipboard.count == 3 {
            #expect(clipboard[0].hasPrefix("Заявка: ") || clipboard[0].hasPrefix("Request: "), "\(clipboard[0])")
            #expect(clipboard[1] == "result.0.TITLE")
            #expect(clipboard[2].hasPrefix("curl -sS -X POST 'http://127.0.0.1:") && clipboard[2].contains("crm.lead.list"))
            #expect(clipboard[2].contains("--data-raw '{\"select\":[\"ID\",\"TITLE\"],\"filter\":{\">ID\":197}}'"))
            let code = driver.services.embeddedSandbox!.adminWebhookURL.lastPathComponent
            #expect(!clipboard[2].contains(code), "the webhook code is masked in the cURL command")
        }
        driver.press(.char("r"))
        await driver.waitFor("\"result\": [")
        // The call is in history like a `b24 call` (the discovery reads of Home are not).
        let history = try B24Store(path: B24Paths.fromEnvironment(driver.services.launch.environment).databaseFile)
            .recentHistory(limit: 20)
        #expect(history.map(\.method) == ["crm.lead.list"])
        #expect(history.first?.status == "ok")
        // :history lists it; Enter opens it with its request and response.
        driver.press(.escape)
        driver.command("history")
        await driver.waitFor("Calls (times in UTC) 1/1")
        driver.press(.enter)
        await driver.waitFor("(from history; F5 sends it again)")
        await driver.waitFor("ID: \"198\"")
        await driver.quit()
    }
}

@Suite("Fetch all pages from the console against a sandbox with 1 000 leads", .serialized)
struct FetchAllPagesDriverTests {
    /// A console whose default profile is a sandbox of 1 000 leads that takes `delay` over every answer.
    static func console(delay: String) async throws -> (Driver, Sandbox) {
        var options = SandboxOptions()
        options.leads = 1000
        options.faults = try FaultSpec(parsing: "slow:1@\(delay)")
        let sandbox = try await Sandbox.start(options)
        let driver = try Driver(size: Size(width: 100, height: 30), prepare: { launch in
            let parsed = try WebhookAuth.parse(sandbox.adminWebhookURL.absoluteString)
            try AuthStore(paths: B24Paths.fromEnvironment(launch.environment))
                .add(Profile(name: "thousand", portal: parsed.portal, auth: .webhook(parsed.auth)), makeDefault: true)
        })
        return (driver, sandbox)
    }

    @Test func everyPageWithProgressThenCancelKeepsTheRows() async throws {
        let (driver, sandbox) = try await Self.console(delay: "100ms")
        await driver.waitFor("Анна Смирнова (id 1)")
        driver.command("call crm.lead.list {\"select\":[\"ID\",\"TITLE\"]}")
        await driver.waitFor("Paging    total 1000 next page starts at 50")
        driver.press(.char("a"))
        // Progress while it runs: rows of the total, pages, a rate; then every row in one tree.
        await driver.waitFor("fetching… x cancels")
        await driver.waitFor(" rows/s  fetching…")
        let running = await driver.screen().text
        #expect(running.contains("0 of 1000 rows · ") && running.contains(" pages · "), "\(running)")
        await driver.waitFor("1000 of 1000 rows · 20 pages", timeout: 30)
        await driver.waitFor("all fetched")
        await driver.waitFor("result: [1000 items]")
        #expect(driver.runtime.state.status?.text.hasPrefix("all pages fetched: 1000 of 1000 rows · 20 pages") == true)
        // The last row is the 1000th lead, and the filter sees all of them.
        driver.press(.char("f"))
        driver.type("result.*.ID")
        driver.press(.enter)
        await driver.waitFor("Filter result.*.ID 1/1000")
        driver.press(.char("G"))
        await driver.waitFor("result.999.ID: \"1000\"")
        // The same call again in a page of its own: cancel after a few pages; the rows so far stay.
        driver.press(.escape, .escape)
        await driver.waitFor("Анна Смирнова (id 1)")
        driver.command("call crm.lead.list {\"select\":[\"ID\",\"TITLE\"],\"order\":{\"ID\":\"DESC\"}}")
        await driver.waitFor("ID: \"1000\"")
        driver.press(.char("a"))
        await driver.waitFor("of 1000 rows · 3 pages")
        driver.press(.char("x"))
        await driver.waitFor("cancelled · a resumes")
        let state = driver.runtime.state
        let inspector = state.page.screen as? InspectorScreen
        let rows = inspector?.fetch?.rows.count ?? 0
        #expect(rows >= 150 && rows < 1000, "\(rows)")
        #expect(state.status?.text.hasPrefix("fetch cancelled: \(rows) of 1000 rows") == true)
        await driver.waitFor("result: [\(rows) items]")
        #expect(inspector?.fetch?.rows.first?["ID"] == "1000", "the user's order was kept")
        #expect(!driver.runtime.runner.running.contains { $0.name.hasPrefix("pages#") })
        // Nothing more arrives after the cancel.
        try await Task.sleep(nanoseconds: 400_000_000)
        #expect((driver.runtime.state.page.screen as? InspectorScreen)?.fetch?.rows.count == rows)
        await driver.quit()
        await sandbox.stop()
    }
}
