import B24Client
import B24Sandbox
import B24Wire
import Foundation
import XCTest

/// `ExportEngine` against the sandbox over loopback, with the real SQLite checkpoint.
final class ExportEngineTests: XCTestCase {
    private func environment(leads: Int, _ configure: (inout SandboxOptions) -> Void = { _ in }) async throws -> ClientTestEnvironment {
        var options = ClientTestEnvironment.quietSandbox()
        options.leads = leads
        configure(&options)
        return try await ClientTestEnvironment(sandbox: options)
    }

    private func lines(_ url: URL) throws -> [JSONValue] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    private func ids(_ rows: [JSONValue]) -> [Int64] {
        rows.compactMap { $0["ID"]?.intValue ?? $0["ID"]?.stringValue.flatMap { Int64($0) } }
    }

    /// All IDs the portal lists for a filter, read page by page without the engine.
    private func portalIDs(_ client: B24Client, filter: JSONObject = [:]) async throws -> [Int64] {
        let outcome = await client.callAllPages(
            CallRequest(method: "crm.lead.list", params: ["filter": .object(filter), "select": ["ID"]]), fast: true)
        XCTAssertNil(outcome.error)
        return ids(outcome.items)
    }

    func testEveryRowExactlyOnceInIDOrderWithFewRequests() async throws {
        let env = try await environment(leads: 6_123)
        defer { Task { await env.sandbox.stop() } }
        let client = try env.webhookClient()
        let out = env.root.appendingPathComponent("leads.jsonl")
        let summary = try await ExportEngine(client: client, request: ExportRequest(
            method: "crm.lead.list", select: ["TITLE"], output: out)).run()
        let written = ids(try lines(out))
        XCTAssertEqual(written.count, 6_123)
        XCTAssertEqual(Set(written).count, written.count, "no duplicates")
        XCTAssertEqual(written, written.sorted(), "rows come in ID order")
        let listed = try await portalIDs(client)
        XCTAssertEqual(written, listed)
        XCTAssertTrue(summary.countMatches)
        // 123 pages: the scope batch plus three batches of up to 50 chained pages, not one request per page.
        XCTAssertEqual(summary.requests, 4)
    }

    /// The proof that the sandbox resolves `$result[pN][49][ID]` inside one batch: every page of a batch is
    /// filtered on the last ID of the page before, so 50 pages arrive in one answer without overlap.
    func testChainedCursorPagesInOneBatch() async throws {
        let env = try await environment(leads: 500)
        defer { Task { await env.sandbox.stop() } }
        let client = try env.webhookClient()
        var commands: [BatchCommand] = []
        for index in 0..<4 {
            var filter: JSONObject = [:]
            if index > 0 { filter[">ID"] = .string("$result[p\(index - 1)][49][ID]") }
            commands.append(BatchCommand(key: "p\(index)", method: "crm.lead.list", params: [
                "order": ["ID": "ASC"], "filter": .object(filter), "select": ["ID"], "start": -1]))
        }
        let outcome = await client.batch(commands, halt: false, confirmWrite: false, confirmDestructive: false)
        XCTAssertNil(outcome.error)
        let pages = outcome.results.map { ids($0.result?.arrayValue ?? []) }
        XCTAssertEqual(pages.map(\.count), [50, 50, 50, 50])
        XCTAssertEqual(pages.flatMap { $0 }, Array(1...200).map(Int64.init))
    }

    func testRowsInsertedAndDeletedDuringTheExportAreNeitherDuplicatedNorSkipped() async throws {
        let env = try await environment(leads: 6_000)
        defer { Task { await env.sandbox.stop() } }
        let client = try env.webhookClient()
        let writer = try env.webhookClient()
        let out = env.root.appendingPathComponent("moving.jsonl")
        let deleted = [Int64(3_000), 3_001, 4_999, 5_999]
        // Changes go in once the scope is fixed, while the pages are read: new leads (above the scope) and
        // deletions (inside it).
        let started = ChurnGate()
        let churn = Task {
            await started.wait()
            for (index, id) in deleted.enumerated() {
                var add = CallRequest(method: "crm.lead.add", params: ["fields": ["TITLE": .string("new \(index)")]])
                add.confirmWrite = true
                _ = await writer.call(add)
                var delete = CallRequest(method: "crm.lead.delete", params: ["id": .int(id)])
                delete.confirmWrite = true
                delete.confirmDestructive = true
                _ = await writer.call(delete)
                try? await Task.sleep(nanoseconds: 20_000_000)
            }
        }
        var request = ExportRequest(method: "crm.lead.list", output: out)
        request.select = ["ID", "TITLE"]
        let summary = try await ExportEngine(client: client, request: request) { event in
            if case .scoped = event { started.open() }
        }.run()
        await churn.value
        let written = ids(try lines(out))
        XCTAssertEqual(Set(written).count, written.count, "no row twice")
        XCTAssertEqual(written, written.sorted())
        XCTAssertTrue(written.allSatisfy { $0 <= 6_000 }, "rows added after the start are outside the fixed scope")
        // Every row that existed for the whole export is in the file.
        let kept = Set(Array(1...6_000).map(Int64.init)).subtracting(deleted)
        XCTAssertTrue(kept.isSubset(of: Set(written)), "missing: \(kept.subtracting(written).sorted().prefix(5))")
        if written.count != summary.total { XCTAssertNotNil(summary.totalAtEnd, "a count mismatch is checked again") }
    }

    func testFilterWithPrefixesAndSelectMatchThePortal() async throws {
        let env = try await environment(leads: 3_000)
        defer { Task { await env.sandbox.stop() } }
        let client = try env.webhookClient()
        let filter: JSONObject = [">=ID": 100, "<ID": 2_600, "!STATUS_ID": "NEW"]
        let out = env.root.appendingPathComponent("filtered.jsonl")
        let summary = try await ExportEngine(client: client, request: ExportRequest(
            method: "crm.lead.list", select: ["TITLE", "STATUS_ID"], filter: filter, output: out)).run()
        let rows = try lines(out)
        let listed = try await portalIDs(client, filter: filter)
        XCTAssertEqual(ids(rows), listed)
        XCTAssertFalse(rows.isEmpty)
        XCTAssertTrue(rows.allSatisfy { $0["STATUS_ID"]?.stringValue != "NEW" })
        XCTAssertEqual(Set(rows.flatMap { $0.objectValue?.keys.map { $0 } ?? [] }), ["ID", "TITLE", "STATUS_ID"])
        XCTAssertEqual(summary.rows, rows.count)
        XCTAssertTrue(summary.countMatches)
    }

    func testCSVQuotesNewlinesCommasAndCyrillic() async throws {
        let env = try await environment(leads: 0)
        defer { Task { await env.sandbox.stop() } }
        let client = try env.webhookClient()
        let titles = ["plain", "say \"hi\"", "line one\nline two", "a, b, c", "Сделка «Ромашка», ООО", "crlf\r\nend", ""]
        for title in titles {
            var add = CallRequest(method: "crm.lead.add", params: ["fields": ["TITLE": .string(title), "NAME": "Иван"]])
            add.confirmWrite = true
            let outcome = await client.call(add)
            XCTAssertNotNil(outcome.value)
        }
        let out = env.root.appendingPathComponent("leads.csv")
        _ = try await ExportEngine(client: client, request: ExportRequest(
            method: "crm.lead.list", select: ["ID", "TITLE", "NAME"], format: .csv, output: out)).run()
        let text = try String(contentsOf: out, encoding: .utf8)
        let expected = ["ID,TITLE,NAME"] + titles.enumerated().map { index, title -> String in
            // RFC 4180: a field with a quote, comma, CR or LF is quoted (scalars: "\r\n" is one Character).
            let quoted = title.unicodeScalars.contains(where: { "\",\r\n".unicodeScalars.contains($0) })
                ? "\"" + title.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : title
            return "\(index + 1),\(quoted),Иван"
        }
        XCTAssertEqual(text, expected.joined(separator: "\r\n") + "\r\n")
    }

    func testCSVFlattensMultifieldsPredictably() {
        let phones: JSONValue = [["VALUE": "+7 900", "VALUE_TYPE": "WORK"], ["VALUE": "+7 901", "VALUE_TYPE": "HOME"]]
        XCTAssertEqual(CSVRowFormatter.flatten(phones), "+7 900 (WORK); +7 901 (HOME)")
        XCTAssertEqual(CSVRowFormatter.flatten([1, 2, 3]), "1; 2; 3")
        XCTAssertEqual(CSVRowFormatter.flatten(["a": 1]), "{\"a\":1}")
        XCTAssertEqual(CSVRowFormatter.flatten(.null), "")
        XCTAssertEqual(CSVRowFormatter.flatten(true), "true")
    }

    func testOperatingTimeIsPacedUnderASmallLimitWithoutOperationTimeLimit() async throws {
        // Cursor pages cost 0.097 s × 0.5; the sandbox blocks at 1.2 s per 4 s window, so 6,000 rows (120 pages,
        // ~5.8 s of operating time) need several windows.
        let env = try await environment(leads: 6_000) { options in
            options.operatingLimitSeconds = 1.2
            options.operatingWindowSeconds = 4
            options.operatingScale = 0.5
        }
        defer { Task { await env.sandbox.stop() } }
        let client = try env.webhookClient()
        let out = env.root.appendingPathComponent("paced.jsonl")
        let waits = WaitLog()
        let summary = try await ExportEngine(
            client: client, request: ExportRequest(method: "crm.lead.list", select: ["ID"], output: out, operatingBudget: 1.2)
        ) { event in waits.hear(event) }.run()
        XCTAssertEqual(ids(try lines(out)), Array(1...6_000).map(Int64.init))
        XCTAssertEqual(summary.operatingLimitAnswers, 0, "the export slept instead of meeting OPERATION_TIME_LIMIT")
        XCTAssertGreaterThan(waits.operatingWaits, 0, "the budget made it wait for a reset")
        XCTAssertGreaterThan(summary.operatingWaits, 1)
    }

    func testExistingFileIsRefusedWithoutForceAndKeptIntact() async throws {
        let env = try await environment(leads: 100)
        defer { Task { await env.sandbox.stop() } }
        let client = try env.webhookClient()
        let out = env.root.appendingPathComponent("precious.jsonl")
        try Data("keep me\n".utf8).write(to: out)
        do {
            _ = try await ExportEngine(client: client, request: ExportRequest(method: "crm.lead.list", output: out)).run()
            XCTFail("an existing file must be refused")
        } catch let error as ExportError {
            XCTAssertEqual(error.exitCode, 64)
            XCTAssertTrue(error.description.contains("--force"), error.description)
        }
        XCTAssertEqual(try String(contentsOf: out, encoding: .utf8), "keep me\n")
        let summary = try await ExportEngine(client: client, request: ExportRequest(method: "crm.lead.list", output: out, mode: .force)).run()
        XCTAssertEqual(summary.rows, 100)
        XCTAssertEqual(try lines(out).count, 100)
    }

    func testNotAListIsAClearError() async throws {
        let env = try await environment(leads: 10)
        defer { Task { await env.sandbox.stop() } }
        let client = try env.webhookClient()
        let out = env.root.appendingPathComponent("x.jsonl")
        do {
            _ = try await ExportEngine(client: client, request: ExportRequest(method: "crm.lead.add", output: out)).run()
            XCTFail("crm.lead.add is no list")
        } catch let error as ExportError {
            XCTAssertTrue(error.description.contains("not a list"), error.description)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing is written for a refused export")
    }

    func testResumeAfterAFailedBatchCutsATornPageAndContinuesWithoutGapsOrDuplicates() async throws {
        let env = try await environment(leads: 8_000)
        defer { Task { await env.sandbox.stop() } }
        let out = env.root.appendingPathComponent("resumed.jsonl")
        var options = ClientTestEnvironment.fastOptions()
        options.maxAttempts = 1
        let client = try env.webhookClient(options: options)
        // The scope batch and one batch of pages go through; the next one sent fails.
        env.sandbox.injectFault(.status(500), method: "batch", count: 1, after: 2)
        let request = ExportRequest(method: "crm.lead.list", select: ["ID"], output: out)
        do {
            _ = try await ExportEngine(client: client, request: request).run()
            XCTFail("the failed batch must stop the export")
        } catch let error as ExportError {
            XCTAssertEqual(error.exitCode, 4)
        }
        // Batches go three at a time; those before the failed one are in the file, whole and in order.
        let firstRun = ids(try lines(out))
        XCTAssertEqual(firstRun, (0..<firstRun.count).map { Int64($0 + 1) })
        XCTAssertEqual(firstRun.count % 2_500, 0)
        XCTAssertLessThan(firstRun.count, 8_000)
        // A page written but not checkpointed (a kill between the two) is cut off by the resume.
        let handle = try FileHandle(forWritingTo: out)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"ID\":\"2501\"}\n{\"ID\":\"25".utf8))
        try handle.close()
        var resume = request
        resume.mode = .resume
        let summary = try await ExportEngine(client: client, request: resume).run()
        XCTAssertEqual(ids(try lines(out)), Array(1...8_000).map(Int64.init))
        XCTAssertEqual(summary.rows, 8_000)
        XCTAssertTrue(summary.countMatches)
        // Resuming a finished export changes nothing.
        let again = try await ExportEngine(client: client, request: resume).run()
        XCTAssertTrue(again.alreadyComplete)
        XCTAssertEqual(ids(try lines(out)).count, 8_000)
    }

    func testUnknownSelectFieldIsRefusedBeforeAnythingIsWritten() async throws {
        let env = try await environment(leads: 10)
        defer { Task { await env.sandbox.stop() } }
        let client = try env.webhookClient()
        let out = env.root.appendingPathComponent("x.jsonl")
        do {
            _ = try await ExportEngine(client: client, request: ExportRequest(
                method: "crm.lead.list", select: ["TITLE", "NO_SUCH_FIELD"], output: out)).run()
            XCTFail("an unknown field must be refused")
        } catch let error as ExportError {
            XCTAssertEqual(error.exitCode, 64)
            XCTAssertTrue(error.description.contains("NO_SUCH_FIELD"), error.description)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }
}

/// Lets a task wait until the export has fixed its scope.
final class ChurnGate: @unchecked Sendable {
    private let lock = NSLock()
    private var opened = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    func open() {
        let resumed: [CheckedContinuation<Void, Never>] = lock.withLock {
            opened = true
            defer { waiters = [] }
            return waiters
        }
        for waiter in resumed { waiter.resume() }
    }
    func wait() async {
        await withCheckedContinuation { continuation in
            let now: Bool = lock.withLock {
                if opened { return true }
                waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}

/// Collects the waits an export announced.
final class WaitLog: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds = 0.0
    var operatingWaits: Double { lock.withLock { seconds } }
    func hear(_ event: ExportEvent) {
        guard case .waiting(let reason, let wait) = event, reason.contains("operating") else { return }
        lock.withLock { seconds += wait }
    }
}
