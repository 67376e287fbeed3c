import B24Wire
import Foundation
import GRDB
import Testing
@testable import B24Client

/// Large responses are kept once, apart from the history rows, and come back whole.
@Suite("Storage: large responses stored once, referenced", .serialized)
struct HistoryBodiesTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("b24-bodies-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    var database: URL { directory.appendingPathComponent("b24.sqlite") }

    /// A list answer of about `megabytes` MB, Cyrillic titles and doubles included, keys in portal order.
    static func bigResponse(megabytes: Double, seed: Int = 0) -> JSONValue {
        let count = Int(megabytes * 1_000_000 / 150)
        let items: [JSONValue] = (0 ..< count).map { i in
            ["ID": .string(String(i + seed)), "TITLE": .string("Сделка №\(i) — поставка оборудования"),
             "OPPORTUNITY": .double(Double(i) + 0.5), "STAGE_ID": "NEW", "ASSIGNED_BY_ID": "1", "zeta": nil]
        }
        return ["result": .array(items), "total": .int(Int64(count)), "time": ["start": 1_750_000_000.25, "operating": 0]]
    }

    static func trace(id: String, response: JSONValue?, at offset: TimeInterval = 0, method: String = "crm.deal.list") -> CallTrace {
        var trace = CallTrace(id: id, profile: "prod", method: method, apiVersion: .v2, risk: "read",
                              request: .init(httpMethod: "POST", url: "https://example.bitrix24.com/rest/1/****/\(method)",
                                             params: ["select": ["*"], "start": 0]),
                              startedAt: Date(timeIntervalSince1970: 1_750_000_000 + offset))
        trace.duration = 0.25
        trace.response = response
        return trace
    }

    @Test("a 2 MB answer: the history row holds a hash, not the body; the call reads back identical")
    func largeResponseIsReferenced() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        // The megabytes are made, stored and read back off the cooperative pool; checked here, in the test.
        let (response, text, footprint, listed, loaded, small) = try await offThread { [self] in
            let store = try B24Store(path: database, retention: .unlimited)
            let response = Self.bigResponse(megabytes: 2)
            try store.record(Self.trace(id: "big", response: response))
            try store.record(Self.trace(id: "small", response: ["result": ["ID": "1"]], at: 1))
            return (response, JSONWriter.compact(response), try store.footprint(), try store.recentHistory(limit: 10).map(\.id),
                    try store.trace(id: "big")?.response, try store.trace(id: "small")?.response)
        }
        #expect(text.utf8.count > 2_000_000)
        #expect(footprint.calls == 2)
        #expect(footprint.bodies == 1)
        // The result is kept apart; the envelope's small members (total, time) stay in the row.
        #expect(footprint.bodyBytes == JSONWriter.compact(response["result"]!).utf8.count)
        // The list reads rows of a few hundred bytes, not megabytes.
        #expect(footprint.largestRowBytes < 2_000, "largest history row: \(footprint.largestRowBytes) bytes")
        #expect(listed == ["small", "big"])
        #expect(loaded == response)
        #expect(JSONWriter.compact(try #require(loaded)) == text, "same text: key order and doubles kept")
        #expect(small == ["result": ["ID": "1"]])
    }

    @Test("the same answer twice (a replay) is stored once; another answer gets its own body")
    func identicalAnswersShareOneBody() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try B24Store(path: database, retention: .unlimited)
        let response = Self.bigResponse(megabytes: 0.5)
        try store.record(Self.trace(id: "first", response: response))
        try store.record(Self.trace(id: "replay", response: response, at: 60))
        #expect(try store.footprint().bodies == 1)
        // Sent again, the portal brings the same result with another `time`: still one body.
        guard case .object(var resent) = response else { return }
        resent["time"] = ["start": 1_750_000_900.5, "operating": 0.25]
        try store.record(Self.trace(id: "resent", response: .object(resent), at: 90))
        #expect(try store.footprint().bodies == 1)
        #expect(try store.trace(id: "resent")?.response == .object(resent), "the envelope reads back in portal order")
        try store.record(Self.trace(id: "other", response: Self.bigResponse(megabytes: 0.5, seed: 7), at: 120))
        #expect(try store.footprint().bodies == 2)
        for id in ["first", "replay"] { #expect(try store.trace(id: id)?.response == response) }
    }

    @Test("a large answer left in the inbox by a CLI call is stored apart when imported")
    func inboxImportStoresApart() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let response = Self.bigResponse(megabytes: 1)
        try HistoryInbox(database: database).append(Self.trace(id: "from-cli", response: response))
        try HistoryInbox(database: database).append(Self.trace(id: "again", response: response, at: 5))
        let store = try B24Store(path: database, retention: .unlimited)
        let footprint = try store.footprint()
        #expect(footprint.calls == 2 && footprint.bodies == 1 && footprint.largestRowBytes < 2_000)
        #expect(try store.trace(id: "from-cli")?.response == response)
    }

    @Test("pruning deletes the bodies only pruned calls used; a body a kept call shares stays")
    func pruningRemovesOrphans() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try B24Store(path: database, retention: .unlimited)
        let shared = Self.bigResponse(megabytes: 0.3)
        let alone = Self.bigResponse(megabytes: 0.3, seed: 1)
        try store.record(Self.trace(id: "old-alone", response: alone, at: 0))
        try store.record(Self.trace(id: "old-shared", response: shared, at: 1))
        try store.record(Self.trace(id: "new-shared", response: shared, at: 2))
        #expect(try store.footprint().bodies == 2)
        let result = try store.purgeExpired(now: Date(timeIntervalSince1970: 1_750_000_000),
                                            retention: HistoryRetention(days: nil, maximumCalls: 1))
        #expect(result.history == 2)
        #expect(result.bodies == 1)
        let footprint = try store.footprint()
        #expect(footprint.calls == 1 && footprint.bodies == 1)
        #expect(try store.trace(id: "new-shared")?.response == shared)
        // A call recorded again with a small answer leaves its old body unused: the next pruning takes it.
        try store.record(Self.trace(id: "new-shared", response: ["result": []], at: 2))
        #expect(try store.purgeExpired().bodies == 1)
        #expect(try store.footprint().bodies == 0)
    }

    @Test("an answer over the history limit is summarized: size, total and next kept, not the body")
    func hugeResponseSummarized() throws {
        let response: JSONValue = ["result": .array(Array(repeating: "x", count: 2_000)), "total": 8_000, "next": 50]
        let summary = try JSONParser.parse(B24Store.historyText(of: response, limit: 1_000))
        #expect(summary["result"] == nil)
        #expect(summary["total"] == 8_000 && summary["next"] == 50)
        #expect(summary["b24_history_note"]?.stringValue?.contains("not kept in history (limit 1000 bytes)") == true)
        #expect(B24Store.historyText(of: response) == JSONWriter.compact(response), "under the limit: kept whole")
    }

    @Test("a database from before the bodies table: its large responses move out and read back identical")
    func migrationMovesLargeResponses() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let response = Self.bigResponse(megabytes: 0.4)
        let text = JSONWriter.compact(response)
        do {
            // The schema as b24 left it before this change, with one large and one small inline response.
            let old = try DatabaseQueue(path: database.path)
            try B24Store.migrator.migrate(old, upTo: "v3-maintenance")
            try old.write { db in
                for (id, body) in [("large", text), ("small", "{\"result\":true}")] {
                    try db.execute(sql: """
                        INSERT INTO history (id, started_at, profile, method, api_version, risk, status, duration,
                            replayed, trace, request_params, response)
                        VALUES (?, 1750000000, 'prod', 'crm.deal.list', 'v2', 'read', 'ok', 0.5, 0, ?, '{}', ?)
                        """,
                        arguments: [id, JSONWriter.compact(Self.trace(id: id, response: nil).skeletonJSON()), body])
                }
            }
            try old.close()
        }
        let store = try B24Store(path: database, retention: .unlimited)
        let footprint = try store.footprint()
        #expect(footprint.calls == 2 && footprint.bodies == 1 && footprint.bodyBytes == text.utf8.count)
        #expect(footprint.largestRowBytes < 2_000)
        #expect(JSONWriter.compact(try #require(try store.trace(id: "large")?.response)) == text)
        #expect(try store.trace(id: "small")?.response == ["result": true])
    }

    @Test("20 000 calls: listing costs per call what 200 do, opening one call costs the same (ratios, one run)")
    func listingScales() async throws {
        let (small, large) = try await offThread { [self] () throws -> ((list: Double, open: Double, rows: Int), (list: Double, open: Double, rows: Int)) in
            defer { try? FileManager.default.removeItem(at: directory) }
            func median(_ runs: [Double]) -> Double { runs.sorted()[runs.count / 2] }
            /// A store of `count` calls, one in fifty with a 100 KB answer; the list and one call, timed.
            func measure(_ count: Int) throws -> (list: Double, open: Double, rows: Int) {
                let path = directory.appendingPathComponent("scale-\(count).sqlite")
                // Two calls stored the usual way, then copied by SQLite itself (made one by one in a debug build, 20 000
                // calls would take seconds of CPU from the tests running beside this one).
                var store = try B24Store(path: path, retention: .unlimited)
                try store.record(Self.trace(id: "large", response: Self.bigResponse(megabytes: 0.1)))
                try store.record(Self.trace(id: "small", response: ["result": ["ID": "1"]]))
                try store.close()
                let queue = try DatabaseQueue(path: path.path)
                try queue.write { db in
                    try db.execute(sql: """
                        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
                        INSERT INTO history (id, started_at, profile, method, api_version, risk, status, error_code, duration,
                            replayed, trace, request_params, response, response_hash)
                        SELECT printf('call-%06d', i), 1750000100 + i, t.profile,
                            CASE i % 2 WHEN 0 THEN 'crm.deal.list' ELSE 'user.current' END, t.api_version, t.risk, t.status,
                            t.error_code, t.duration, 0, t.trace, t.request_params, t.response, t.response_hash
                        FROM n JOIN history t ON t.id = CASE WHEN i % 50 = 0 THEN 'large' ELSE 'small' END
                        """, arguments: [count - 2])
                }
                try queue.close()
                store = try B24Store(path: path, retention: .unlimited)
                var lists: [Double] = [], opens: [Double] = [], rows = 0
                for _ in 0 ..< 3 {
                    let start = Date()
                    rows = try store.recentHistory(limit: 20_000).count
                    lists.append(Date().timeIntervalSince(start))
                }
                // The quickest of several opens: one open is milliseconds, and a busy machine adds more than that.
                for _ in 0 ..< 7 {
                    let start = Date()
                    _ = try store.trace(id: String(format: "call-%06d", count / 2))
                    opens.append(Date().timeIntervalSince(start))
                }
                try store.close()
                return (median(lists), opens.min() ?? 0, rows)
            }
            return (try measure(200), try measure(20_000))
        }
        // Checked here, where the test's expectations belong to it (the work ran off the cooperative pool).
        #expect(small.rows == 200 && large.rows == 20_000)
        do {
            let figures = String(format: "list %.1f ms vs %.2f ms, open %.2f ms vs %.2f ms",
                                 large.list * 1e3, small.list * 1e3, large.open * 1e3, small.open * 1e3)
            print("history store, 20 000 calls vs 200: \(figures)")
            // 100 times the calls: the list reads small rows and grows with the calls, not faster. The room (8× a call)
            // is for caches and a machine loaded by parallel tests and builds in a debug build; a quadratic step, or
            // reading bodies, would be far more.
            #expect(large.list <= small.list * 100 * 8, "\(figures)")
            // Opening one call (a 100 KB answer kept apart) is an index lookup, whatever the history holds; a scan of
            // 20 000 rows would take about a hundred times longer.
            #expect(large.open <= small.open * 5, "\(figures)")
        }
    }
}

/// Runs CPU-heavy test work on a thread of its own: a synchronous test holds one of the few threads of Swift's
/// cooperative pool (two on a two-core machine) for seconds, and the console and sandbox tests running beside it
/// need them.
func offThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}
