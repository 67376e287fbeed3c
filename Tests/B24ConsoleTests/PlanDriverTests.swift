import B24Console
import Foundation
import TerminalKit
import Testing

/// Plans from the console against the embedded sandbox: a review saved with Ctrl-P, run later with `:plan ID`
/// (reviewed again, verified), and one refused as stale after its record moved.
@Suite("Reviewed plans in the console", .serialized)
struct PlanDriverTests {
    /// Reviews an update of lead 1's title and saves it as a plan; returns the plan's id.
    static func savePlan(_ driver: Driver, title: String) async throws -> String {
        driver.command("call crm.lead.update {\"id\":1,\"fields\":{\"TITLE\":\"\(title)\"}}")
        await driver.waitFor("form · REST v2 · write")
        driver.press(.ctrl("g"))
        await driver.waitFor("→ \"\(title)\"")
        driver.press(.ctrl("p"))
        await driver.waitFor("saved as plan ")
        let screen = await driver.screen().text
        let line = try #require(screen.split(separator: "\n").first { $0.contains("saved as plan ") })
        let id = String(line[line.range(of: "saved as plan ")!.upperBound...].prefix { $0.isHexDigit })
        driver.press(.escape)  // the review
        driver.press(.escape)  // the form
        return id
    }

    @Test func aSavedPlanRunsOnceVerifiedAndAMovedOneIsRefusedAsStale() async throws {
        let driver = try Driver(size: Size(width: 110, height: 36))
        await driver.waitFor("Анна Смирнова (id 1)")
        let first = try await Self.savePlan(driver, title: "Planned one")
        let second = try await Self.savePlan(driver, title: "Planned two")

        driver.command("plan \(first)")
        await driver.waitFor("Review crm.lead.update")
        await driver.waitFor("→ \"Planned one\"")
        driver.press(.tab, .enter)
        await driver.waitFor("crm.lead.update: verified")
        driver.press(.escape)

        // The first plan changed the title the second was reviewed against.
        driver.command("plan \(second)")
        await driver.waitFor("moved since the review — nothing was written")
        await driver.waitFor("now:          \"Planned one\"")
        await driver.waitFor("would write:  \"Planned two\"")
        driver.press(.escape)

        driver.command("plan \(first)")
        await driver.waitFor("already executed")
        await driver.quit()
    }
}
