import B24Wire
import Foundation
import Testing
@testable import B24Client
#if canImport(Glibc)
import Glibc
#endif

/// Groups the storage suites, so `--filter StorageTests` selects them all.
@Suite("Storage") struct StorageTests {}

// MARK: - Helpers

/// A fresh directory per test, removed by the caller's `defer`.
private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("b24-storage-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private func remove(_ url: URL) { try? FileManager.default.removeItem(at: url) }

private func mode(_ url: URL) -> Int {
    var status = stat()
    guard stat(url.path, &status) == 0 else { return -1 }
    return Int(status.st_mode & 0o777)
}

/// The policy message of a refused call, nil when it did not throw.
private func policyMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch B24Error.policy(let message) {
        return message
    } catch {
        return "unexpected error: \(error)"
    }
}

private let secret = Secret("s3cr3t-webhook-code-1234567890")

/// A realistic trace: masked URL, ordered parameters and response, one retried attempt.
private func sampleTrace(id: String = UUID().uuidString.lowercased(), profile: String = "prod",
                         method: String = "crm.deal.get", startedAt: Date = Date(timeIntervalSince1970: 1_750_000_000.125))
    -> CallTrace
{
    var trace = CallTrace(
        id: id, profile: profile, method: method, apiVersion: .v2, risk: "read",
        request: .init(
            httpMethod: "POST", url: "https://example.bitrix24.com/rest/1/\(secret.masked)/\(method).json",
            params: ["id": 7, "select": ["TITLE", "OPPORTUNITY", "*"], "filter": [">ID": 5, "=STAGE_ID": "NEW"]],
            headers: ["User-Agent": "b24/1.0"]),
        startedAt: startedAt)
    trace.duration = 0.4375
    trace.attempts = [
        .init(number: 1, startedAt: startedAt, duration: 0.1, httpStatus: 503, errorCode: "QUERY_LIMIT_EXCEEDED",
              decision: "retry", note: "backoff 0.25 s"),
        .init(number: 2, startedAt: startedAt.addingTimeInterval(0.3), duration: 0.125, httpStatus: 200,
              errorCode: nil, decision: "done"),
    ]
    trace.waits = [.init(reason: "backoff", seconds: 0.25)]
    trace.refreshes = [.init(at: startedAt, outcome: "joined", note: "another process refreshed")]
    trace.response = [
        "result": [
            "TITLE": "Сделка №1", "ID": "7", "OPPORTUNITY": 2.0, "zeta": nil, "alpha": [3, 2, 1],
            "UF_CRM_1": ["b": true, "a": false], "TOKEN_LOOKALIKE": "****7890",
        ],
        "time": ["start": 1_750_000_000.1, "finish": 1_750_000_000.5, "operating": 0, "operating_reset_at": 1_750_000_600],
    ]
    trace.planID = "0123456789ab"
    trace.idempotencyKey = "b24-00112233445566778899aabbccddeeff"
    return trace
}

// MARK: - SHA-256

extension StorageTests {
    @Suite("SHA-256")
    struct SHA256Tests {
        @Test("FIPS 180 test vectors")
        func vectors() {
            #expect(SHA256Hasher.hexDigest("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            #expect(SHA256Hasher.hexDigest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
            #expect(SHA256Hasher.hexDigest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
            #expect(SHA256Hasher.hex(SHA256Hasher.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        }

        @Test("padding boundaries: 55, 56 and 64 bytes")
        func boundaries() {
            // Reference digests from Python's hashlib.
            #expect(SHA256Hasher.hexDigest(String(repeating: "a", count: 55))
                == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318")
            #expect(SHA256Hasher.hexDigest(String(repeating: "a", count: 56))
                == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")
            #expect(SHA256Hasher.hexDigest(String(repeating: "a", count: 64))
                == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
        }

        @Test("1 MiB input, one shot and in uneven chunks")
        func megabyte() {
            let input = (0..<(1 << 20)).map { UInt8($0 % 251) }
            let expected = "631b84027d6b9e52b539c4e8373622d23032dfadc64d60af87339c9037e4f769"
            #expect(SHA256Hasher.hex(SHA256Hasher.hash(input)) == expected)
            var hasher = SHA256Hasher()
            var offset = 0
            let sizes = [1, 63, 64, 65, 127, 1000, 4096, 3]
            var turn = 0
            while offset < input.count {
                let end = min(input.count, offset + sizes[turn % sizes.count])
                hasher.update(input[offset..<end])
                offset = end
                turn += 1
            }
            #expect(SHA256Hasher.hex(hasher.finalize()) == expected)
        }

        @Test("non-contiguous sequences hash like arrays")
        func sequences() {
            #expect(SHA256Hasher.hash("abc".utf8.lazy.map { $0 }) == SHA256Hasher.hash(Array("abc".utf8)))
        }
    }
}

// MARK: - History

extension StorageTests {
    @Suite("B24Store history")
    struct HistoryStoreTests {
        @Test("a trace round-trips exactly: response key order, doubles, Cyrillic, masks untouched")
        func roundTrip() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let store = try B24Store(path: directory.appendingPathComponent("b24.sqlite"))
            var trace = sampleTrace()
            trace.error = CallTrace.TraceError(
                .portal(PortalError(code: "QUERY_LIMIT_EXCEEDED", message: "Too many requests", httpStatus: 503)),
                redactor: Redactor([secret]))
            try store.record(trace)

            let loaded = try #require(try store.trace(id: trace.id))
            #expect(loaded == trace)
            // Equality of ordered dictionaries includes order, but spell out what users see.
            #expect(loaded.response?.objectValue.map { Array($0.keys) } == ["result", "time"])
            #expect(loaded.response?["result"]?.objectValue.map { Array($0.keys) }
                == ["TITLE", "ID", "OPPORTUNITY", "zeta", "alpha", "UF_CRM_1", "TOKEN_LOOKALIKE"])
            #expect(loaded.response?["result"]?["OPPORTUNITY"] == .double(2.0))
            #expect(loaded.request.params.objectValue.map { Array($0.keys) } == ["id", "select", "filter"])
            #expect(JSONWriter.compact(loaded.response!) == JSONWriter.compact(trace.response!))
            #expect(loaded.request.url == trace.request.url)
        }

        @Test("a trace without response and with an unknown outcome")
        func unknownOutcome() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let store = try B24Store(path: directory.appendingPathComponent("b24.sqlite"))
            var trace = sampleTrace(method: "crm.deal.add")
            trace.response = nil
            trace.error = CallTrace.TraceError(.outcomeUnknown(method: "crm.deal.add", reason: "timeout"), redactor: Redactor())
            try store.record(trace)
            #expect(try store.trace(id: trace.id) == trace)
            let entry = try #require(try store.recentHistory(limit: 1).first)
            #expect(entry.status == "unknown")
            #expect(entry.errorCode == "OUTCOME_UNKNOWN")
        }

        @Test("recentHistory: newest first, limit, profile and method filters")
        func recentHistoryFilters() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let store = try B24Store(path: directory.appendingPathComponent("b24.sqlite"))
            let base = Date(timeIntervalSince1970: 1_750_000_000)
            let calls: [(String, String)] = [
                ("prod", "crm.deal.list"), ("test", "crm.deal.get"), ("prod", "crm.contact.get"),
                ("prod", "crm.deal.update"), ("test", "tasks.task.list"),
            ]
            for (index, call) in calls.enumerated() {
                var trace = sampleTrace(id: "call-\(index)", profile: call.0, method: call.1,
                                        startedAt: base.addingTimeInterval(Double(index)))
                if index == 3 {
                    trace.error = CallTrace.TraceError(
                        .portal(PortalError(code: "ACCESS_DENIED", message: "no", httpStatus: 403)), redactor: Redactor())
                    trace.risk = "write"
                }
                try store.record(trace)
            }
            #expect(try store.recentHistory(limit: 10).map(\.id) == ["call-4", "call-3", "call-2", "call-1", "call-0"])
            #expect(try store.recentHistory(limit: 2).map(\.id) == ["call-4", "call-3"])
            #expect(try store.recentHistory(limit: 0).isEmpty)
            #expect(try store.recentHistory(limit: 10, profile: "prod").map(\.id) == ["call-3", "call-2", "call-0"])
            #expect(try store.recentHistory(limit: 10, method: "CRM.DEAL.GET").map(\.id) == ["call-1"])
            #expect(try store.recentHistory(limit: 10, method: "crm.deal.*").map(\.id) == ["call-3", "call-1", "call-0"])
            #expect(try store.recentHistory(limit: 10, profile: "prod", method: "crm.deal.*").map(\.id) == ["call-3", "call-0"])
            #expect(try store.recentHistory(limit: 10, profile: "nobody").isEmpty)

            let failed = try #require(try store.recentHistory(limit: 1, profile: "prod").first)
            #expect(failed == HistoryEntry(
                id: "call-3", startedAt: base.addingTimeInterval(3), profile: "prod", method: "crm.deal.update",
                apiVersion: .v2, status: "error", errorCode: "ACCESS_DENIED", duration: 0.4375, risk: "write"))
            let fine = try #require(try store.recentHistory(limit: 1, method: "crm.contact.get").first)
            #expect(fine.status == "ok")
            #expect(fine.errorCode == nil)
        }

        @Test("trace by unique id prefix; ambiguous prefixes and empty ids are refused")
        func traceByPrefix() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let store = try B24Store(path: directory.appendingPathComponent("b24.sqlite"))
            for id in ["abc123-one", "abc999-two", "abd000-three", "abc123"] {
                try store.record(sampleTrace(id: id))
            }
            #expect(try store.trace(id: "abc9")?.id == "abc999-two")
            #expect(try store.trace(id: "ABD")?.id == "abd000-three")
            // An exact id wins even when it is also a prefix of another id.
            #expect(try store.trace(id: "abc123")?.id == "abc123")
            #expect(try store.trace(id: "zzz") == nil)
            let ambiguous = #expect(throws: B24Error.self) { try store.trace(id: "abc") }
            #expect(ambiguous?.message.contains("ambiguous") == true)
            #expect(ambiguous?.message.contains("3 calls") == true)
            #expect(throws: B24Error.self) { try store.trace(id: "  ") }
        }

        @Test("recording the same id again replaces the record")
        func rerecord() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let store = try B24Store(path: directory.appendingPathComponent("b24.sqlite"))
            var trace = sampleTrace(id: "same")
            try store.record(trace)
            trace.duration = 9
            try store.record(trace)
            #expect(try store.recentHistory(limit: 10).map(\.duration) == [9])
        }

        @Test("files are private: directory 0700, database and WAL 0600")
        func permissions() throws {
            let root = try temporaryDirectory()
            defer { remove(root) }
            let paths = B24Paths(configDirectory: root.appendingPathComponent("config/b24"),
                                 stateDirectory: root.appendingPathComponent("state/b24"))
            let store = try B24Store(paths: paths)
            try store.record(sampleTrace())
            #expect(mode(paths.stateDirectory) == 0o700)
            #expect(mode(paths.databaseFile) == 0o600)
            let wal = URL(fileURLWithPath: paths.databaseFile.path + "-wal")
            #expect(FileManager.default.fileExists(atPath: wal.path))
            #expect(mode(wal) == 0o600)
            let journalMode = try #require(try journalModeOf(paths.databaseFile))
            #expect(journalMode == "wal")
        }

        @Test("a world-readable database file is tightened to 0600 on open")
        func tightensExistingFile() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let file = directory.appendingPathComponent("b24.sqlite")
            #expect(FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o644]))
            _ = try B24Store(path: file)
            #expect(mode(file) == 0o600)
        }

        @Test("an unusable location fails with a usage error, never silently")
        func unusableLocation() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let blocker = directory.appendingPathComponent("not-a-directory")
            #expect(FileManager.default.createFile(atPath: blocker.path, contents: Data("x".utf8)))
            let error = #expect(throws: B24Error.self) {
                _ = try B24Store(path: blocker.appendingPathComponent("b24.sqlite"))
            }
            #expect(error?.exitCode == B24ExitCode.usage)
        }

        @Test("two connections (as two processes) write at once without losing rows")
        func concurrentWriters() async throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let file = directory.appendingPathComponent("b24.sqlite")
            let first = try B24Store(path: file)
            let second = try B24Store(path: file)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, store) in [first, second].enumerated() {
                    group.addTask {
                        for number in 0..<40 {
                            try store.record(sampleTrace(id: "w\(index)-\(number)", profile: "p\(index)"))
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try first.recentHistory(limit: 1000).count == 80)
            #expect(try second.recentHistory(limit: 1000, profile: "p1").count == 40)
        }
    }
}

/// The journal mode from the database header: bytes 18-19 are 2 in WAL mode.
private func journalModeOf(_ file: URL) throws -> String? {
    // The store has no public SQL access, so read the header instead of opening another connection.
    guard let handle = FileHandle(forReadingAtPath: file.path) else { return nil }
    defer { try? handle.close() }
    let header = handle.readData(ofLength: 20)
    guard header.count == 20 else { return nil }
    return header[18] == 2 && header[19] == 2 ? "wal" : "rollback"
}

// MARK: - History inbox

extension StorageTests {
    @Suite("History inbox")
    struct HistoryInboxTests {
        @Test("a trace left in the inbox reaches history whole when the database opens; the inbox is then gone")
        func importsOnOpen() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let database = directory.appendingPathComponent("b24.sqlite")
            let inbox = HistoryInbox(database: database)
            var trace = sampleTrace()
            trace.error = CallTrace.TraceError(
                .portal(PortalError(code: "QUERY_LIMIT_EXCEEDED", message: "Too many requests", httpStatus: 503)),
                redactor: Redactor([secret]))
            try inbox.append(trace)
            #expect(mode(inbox.file) == 0o600)
            let store = try B24Store(path: database, retention: .unlimited)
            #expect(!FileManager.default.fileExists(atPath: inbox.file.path))
            #expect(try store.trace(id: trace.id) == trace)
            #expect(try store.recentHistory(limit: 5).map(\.id) == [trace.id])
        }

        @Test("a store opened before the call sees the inbox on its next history read; damaged lines are skipped")
        func importsBeforeReads() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let database = directory.appendingPathComponent("b24.sqlite")
            let store = try B24Store(path: database, retention: .unlimited)
            let inbox = HistoryInbox(database: database)
            let first = sampleTrace(id: "first", startedAt: Date(timeIntervalSince1970: 1_750_000_000))
            let second = sampleTrace(id: "second", startedAt: Date(timeIntervalSince1970: 1_750_000_100))
            try inbox.append(first)
            // A line cut short (disk full) must not cost the lines around it.
            let handle = try FileHandle(forWritingTo: inbox.file)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(#"{"id":"cut","started_at":1750000050,"prof"#.utf8))
            try handle.close()
            try inbox.append(second)
            #expect(try store.recentHistory(limit: 10).map(\.id) == ["second", "first"])
            #expect(try store.trace(id: "cut") == nil)
        }

        @Test("appenders racing importers lose no trace and store none twice")
        func appendersRaceImporters() async throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let database = directory.appendingPathComponent("b24.sqlite")
            let reader = try B24Store(path: database, retention: .unlimited)
            let importer = try B24Store(path: database, retention: .unlimited)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<3 {
                    group.addTask {
                        for number in 0..<60 {
                            try HistoryInbox(database: database).append(sampleTrace(id: "w\(writer)-\(number)"))
                        }
                    }
                }
                group.addTask {
                    for _ in 0..<40 { try importer.importHistoryInbox() }
                }
                try await group.waitForAll()
            }
            let ids = try reader.recentHistory(limit: 1000).map(\.id)
            #expect(ids.count == 180)
            #expect(Set(ids).count == 180)
        }

        @Test("an import that stopped halfway (a claimed inbox left behind) is finished by the next opening")
        func finishesAbandonedClaims() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let database = directory.appendingPathComponent("b24.sqlite")
            let inbox = HistoryInbox(database: database)
            try inbox.append(sampleTrace(id: "abandoned"))
            let claim = directory.appendingPathComponent(inbox.file.lastPathComponent + ".importing.99999.1")
            #expect(rename(inbox.file.path, claim.path) == 0)
            let store = try B24Store(path: database, retention: .unlimited)
            #expect(try store.trace(id: "abandoned") != nil)
            #expect(!FileManager.default.fileExists(atPath: claim.path))
        }
    }

    @Suite("Redactor")
    struct RedactorTests {
        @Test("webhook codes are masked by position in v2 and v3 paths, at the end of the text and before a slash")
        func masksWebhookPaths() {
            #expect(Redactor.maskWebhookPaths("https://a.bitrix24.com/rest/1/abc_DEF-9/user.current")
                == "https://a.bitrix24.com/rest/1/****/user.current")
            #expect(Redactor.maskWebhookPaths("POST https://a.bitrix24.com/rest/api/12/k3y/tasks.task.get and /rest/7/tail")
                == "POST https://a.bitrix24.com/rest/api/12/****/tasks.task.get and /rest/7/****")
            #expect(Redactor.maskWebhookPaths("https://Портал.рф/rest/3/c0de/") == "https://Портал.рф/rest/3/****/")
            // A line break that ends the text ends the code too (a pasted line, a CRLF .env value).
            #expect(Redactor.maskWebhookPaths("B24_WEBHOOK=https://a.b/rest/1/c0de\n") == "B24_WEBHOOK=https://a.b/rest/1/****\n")
            #expect(Redactor.maskWebhookPaths("https://a.b/rest/1/c0de\r\n") == "https://a.b/rest/1/****\r\n")
            // Not webhook paths: no user number, no code, or a code with characters codes never have.
            for text in ["/rest/user.current", "/rest/api/tasks.task.get", "/rest/1/", "/rest/12/a.b", "no rest here"] {
                #expect(Redactor.maskWebhookPaths(text) == text)
            }
            #expect(Redactor([secret]).redact("see /rest/5/\(secret.reveal())/x?auth=\(secret.reveal())")
                == "see /rest/5/****/x?auth=\(secret.masked)")
            // A token with characters a form body escapes is caught in its escaped spelling too.
            let token = Secret("tok/en+with=padding")
            #expect(Redactor.percentEncoded(token.reveal()) == "tok%2Fen%2Bwith%3Dpadding")
            #expect(Redactor([token]).redact("auth=tok%2Fen%2Bwith%3Dpadding&x=1") == "auth=\(token.masked)&x=1")
        }
    }
}

// MARK: - Plans

extension StorageTests {
    @Suite("B24Store plans")
    struct PlanStoreTests {
        private let created = Date(timeIntervalSince1970: 1_750_000_000)

        private func makePlan(id: String = StoredPlan.newID(), profile: String = "prod") -> StoredPlan {
            StoredPlan(
                id: id, profile: profile, method: "crm.deal.update", apiVersion: .v2,
                params: ["id": 42, "fields": ["TITLE": "Новое имя", "OPPORTUNITY": 1500.5, "ASSIGNED_BY_ID": 1]],
                risk: "write", createdAt: created, expiresAt: created.addingTimeInterval(900))
        }

        @Test("plan ids are 12 lowercase hex digits and differ")
        func ids() {
            let ids = (0..<50).map { _ in StoredPlan.newID() }
            #expect(Set(ids).count == 50)
            #expect(ids.allSatisfy { $0.count == 12 && $0.allSatisfy { "0123456789abcdef".contains($0) } })
        }

        @Test("save and load keep parameter order")
        func saveAndLoad() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let store = try B24Store(path: directory.appendingPathComponent("b24.sqlite"))
            let plan = makePlan()
            try store.savePlan(plan)
            let loaded = try #require(try store.plan(id: plan.id))
            #expect(loaded == plan)
            #expect(loaded.params["fields"]?.objectValue.map { Array($0.keys) } == ["TITLE", "OPPORTUNITY", "ASSIGNED_BY_ID"])
            #expect(try store.plan(id: "ffffffffffff") == nil)
            // The same id twice is a bug in the caller, not something to overwrite.
            #expect(throws: B24Error.self) { try store.savePlan(plan) }
        }

        @Test("a plan is consumed once; the second use is refused")
        func singleUse() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let store = try B24Store(path: directory.appendingPathComponent("b24.sqlite"))
            let plan = makePlan()
            try store.savePlan(plan)
            let now = created.addingTimeInterval(60)
            let used = try store.consumePlan(id: plan.id, profile: "prod", now: now)
            #expect(used.usedAt == now)
            #expect(used.params == plan.params)
            #expect(try store.plan(id: plan.id)?.usedAt == now)
            let message = policyMessage { _ = try store.consumePlan(id: plan.id, profile: "prod", now: now) }
            #expect(message?.contains("already executed") == true)
            #expect(message?.contains(plan.id) == true)
        }

        @Test("an expired plan is refused and stays unused")
        func expiry() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let store = try B24Store(path: directory.appendingPathComponent("b24.sqlite"))
            let plan = makePlan()
            try store.savePlan(plan)
            let message = policyMessage { _ = try store.consumePlan(id: plan.id, profile: "prod", now: plan.expiresAt) }
            #expect(message?.contains("has expired") == true)
            #expect(try store.plan(id: plan.id)?.usedAt == nil)
            // One second before expiry it still works.
            #expect(try store.consumePlan(id: plan.id, profile: "prod", now: plan.expiresAt.addingTimeInterval(-1)).id == plan.id)
        }

        @Test("a plan of another profile, or an unknown plan, is refused with a policy error")
        func wrongProfileAndUnknown() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let store = try B24Store(path: directory.appendingPathComponent("b24.sqlite"))
            let plan = makePlan(profile: "prod")
            try store.savePlan(plan)
            let now = created.addingTimeInterval(1)
            let wrong = policyMessage { _ = try store.consumePlan(id: plan.id, profile: "staging", now: now) }
            #expect(wrong?.contains("made for profile prod, not staging") == true)
            #expect(try store.plan(id: plan.id)?.usedAt == nil)
            let unknown = policyMessage { _ = try store.consumePlan(id: "000000000000", profile: "prod", now: now) }
            #expect(unknown?.contains("is unknown") == true)
            let error = #expect(throws: B24Error.self) { _ = try store.consumePlan(id: "nope", profile: "prod", now: now) }
            #expect(error?.exitCode == B24ExitCode.policy)
            // Ids are accepted as typed with stray case or spaces.
            #expect(try store.consumePlan(id: " \(plan.id.uppercased()) ", profile: "prod", now: now).id == plan.id)
        }

        @Test("two processes racing for one plan: exactly one wins")
        func race() async throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let file = directory.appendingPathComponent("b24.sqlite")
            let stores = try (0..<4).map { _ in try B24Store(path: file) }
            let plan = makePlan()
            try stores[0].savePlan(plan)
            let now = created.addingTimeInterval(5)
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for store in stores {
                    group.addTask { (try? store.consumePlan(id: plan.id, profile: "prod", now: now)) != nil }
                }
                var results: [Bool] = []
                for await result in group { results.append(result) }
                return results
            }
            #expect(outcomes.filter { $0 }.count == 1)
        }

        @Test("purgeExpired removes expired plans, idempotency records and old history")
        func purge() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let store = try B24Store(path: directory.appendingPathComponent("b24.sqlite"))
            let old = makePlan()
            var fresh = makePlan()
            fresh.expiresAt = created.addingTimeInterval(200_000)
            try store.savePlan(old)
            try store.savePlan(fresh)
            try store.storeIdempotent(key: "k1", profile: "prod", method: "m", paramsHash: "h", response: ["result": 1],
                                      ttl: 60, now: created)
            try store.record(sampleTrace(id: "old", startedAt: created))
            try store.record(sampleTrace(id: "new", startedAt: created.addingTimeInterval(86_400)))
            let now = created.addingTimeInterval(86_400 + 1000)
            let result = try store.purgeExpired(now: now, retention: HistoryRetention(days: 1, maximumCalls: nil))
            #expect(result == PurgeResult(plans: 1, idempotencyKeys: 1, history: 1))
            #expect(try store.plan(id: old.id) == nil)
            #expect(try store.plan(id: fresh.id) != nil)
            #expect(try store.recentHistory(limit: 10).map(\.id) == ["new"])
            // Without a retention, history is kept.
            #expect(try store.purgeExpired(now: created.addingTimeInterval(100_000_000)).history == 0)
        }

        @Test("a call limit keeps the newest calls, same-second calls in the order they were stored")
        func purgeByCount() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let store = try B24Store(path: directory.appendingPathComponent("b24.sqlite"), retention: .unlimited)
            for index in 0..<6 {
                // Calls 4 and 5 start in the same instant: the one stored later counts as newer.
                let offset = TimeInterval(min(index, 4))
                try store.record(sampleTrace(id: "call-\(index)", startedAt: created.addingTimeInterval(offset)))
            }
            let result = try store.purgeExpired(now: created, retention: HistoryRetention(days: nil, maximumCalls: 3))
            #expect(result.history == 3)
            #expect(try store.recentHistory(limit: 10).map(\.id) == ["call-5", "call-4", "call-3"])
        }

        @Test("a backlog larger than one pruning pass is pruned whole, in several transactions")
        func purgeInPasses() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let store = try B24Store(path: directory.appendingPathComponent("b24.sqlite"), retention: .unlimited)
            let count = B24Store.purgeBatch + 500
            for index in 0..<count {
                try store.record(sampleTrace(id: "c\(index)", startedAt: created.addingTimeInterval(TimeInterval(index))))
            }
            let result = try store.purgeExpired(now: created, retention: HistoryRetention(days: nil, maximumCalls: 10))
            #expect(result.history == count - 10)
            #expect(try store.recentHistory(limit: 100).map(\.id) == (count - 10..<count).reversed().map { "c\($0)" })
        }

        @Test("opening the database prunes it at most once per maintenance interval, inbox calls included")
        func maintenanceOnOpen() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let path = directory.appendingPathComponent("b24.sqlite")
            let now = Date()
            let retention = HistoryRetention(days: 30, maximumCalls: 20_000)
            // A call from 40 days ago waits in the inbox (a read-only CLI call made then).
            try HistoryInbox(database: path).append(sampleTrace(id: "ancient", startedAt: now.addingTimeInterval(-40 * 86_400)))
            let first = try B24Store(path: path, retention: retention)
            #expect(try first.recentHistory(limit: 10).isEmpty)
            // Within the interval a second opening leaves an old call alone…
            try first.record(sampleTrace(id: "old", startedAt: now.addingTimeInterval(-31 * 86_400)))
            try first.record(sampleTrace(id: "recent", startedAt: now.addingTimeInterval(-86_400)))
            _ = try B24Store(path: path, retention: retention)
            #expect(try first.recentHistory(limit: 10).map(\.id) == ["recent", "old"])
            #expect(try first.maintainIfDue(now: now.addingTimeInterval(60)) == nil)
            // …and once it has passed, the next maintenance removes it.
            let later = now.addingTimeInterval(B24Store.maintenanceInterval + 1)
            #expect(try first.maintainIfDue(now: later)?.history == 1)
            #expect(try first.recentHistory(limit: 10).map(\.id) == ["recent"])
        }

        @Test("retention from the environment; 0 lifts a limit; a bad value names its variable")
        func retentionFromEnvironment() throws {
            #expect(try HistoryRetention(environment: [:]) == .standard)
            #expect(try HistoryRetention(environment: ["B24_HISTORY_DAYS": "7", "B24_HISTORY_MAX_CALLS": "0"])
                == HistoryRetention(days: 7, maximumCalls: nil))
            #expect {
                try HistoryRetention(environment: ["B24_HISTORY_MAX_CALLS": "lots"])
            } throws: { error in
                let message = (error as? B24Error)?.message ?? ""
                return message.contains("B24_HISTORY_MAX_CALLS must be a whole number of calls") && message.hasSuffix("not \"lots\"")
            }
            #expect(throws: B24Error.self) { try HistoryRetention(environment: ["B24_HISTORY_DAYS": "-1"]) }
        }
    }
}

// MARK: - Idempotency

extension StorageTests {
    @Suite("B24Store idempotency")
    struct IdempotencyStoreTests {
        private let now = Date(timeIntervalSince1970: 1_750_000_000)

        @Test("store, look up, expire; records belong to their profile")
        func storeAndLookup() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let store = try B24Store(path: directory.appendingPathComponent("b24.sqlite"))
            let params: JSONValue = ["fields": ["TITLE": "A", "OPPORTUNITY": 10]]
            let response: JSONValue = ["result": 1234, "time": ["start": 1.5, "finish": 2.0]]
            let key = B24Store.derivedIdempotencyKey(profile: "prod", method: "crm.deal.add", params: params)
            #expect(try store.idempotentRecord(key: key, profile: "prod", now: now) == nil)
            try store.storeIdempotent(key: key, profile: "prod", method: "crm.deal.add",
                                      paramsHash: B24Store.paramsHash(params), response: response, ttl: 3600, now: now)
            let record = try #require(try store.idempotentRecord(key: key, profile: "prod", now: now.addingTimeInterval(10)))
            #expect(record.key == key)
            #expect(record.method == "crm.deal.add")
            #expect(record.paramsHash == B24Store.paramsHash(params))
            #expect(record.response == response)
            #expect(JSONWriter.compact(record.response) == #"{"result":1234,"time":{"start":1.5,"finish":2.0}}"#)
            #expect(record.createdAt == now)
            #expect(record.expiresAt == now.addingTimeInterval(3600))
            #expect(try store.idempotentRecord(key: key, profile: "staging", now: now) == nil)
            #expect(try store.idempotentRecord(key: key, profile: "prod", now: now.addingTimeInterval(3600)) == nil)
            // Storing again refreshes the record.
            try store.storeIdempotent(key: key, profile: "prod", method: "crm.deal.add", paramsHash: "other",
                                      response: ["result": 99], ttl: 60, now: now.addingTimeInterval(4000))
            #expect(try store.idempotentRecord(key: key, profile: "prod", now: now.addingTimeInterval(4001))?.response == ["result": 99])
            #expect(throws: B24Error.self) {
                try store.storeIdempotent(key: "k", profile: "prod", method: "m", paramsHash: "h", response: nil, ttl: 0, now: now)
            }
        }

        @Test("derived keys: stable under key reordering, different for different calls")
        func derivedKeys() {
            let a: JSONValue = ["fields": ["TITLE": "Deal", "STAGE_ID": "NEW", "UF": ["y": 1, "x": [1, 2]]], "params": ["REGISTER_SONET_EVENT": "Y"]]
            let reordered: JSONValue = ["params": ["REGISTER_SONET_EVENT": "Y"], "fields": ["UF": ["x": [1, 2], "y": 1], "STAGE_ID": "NEW", "TITLE": "Deal"]]
            let key = B24Store.derivedIdempotencyKey(profile: "prod", method: "crm.deal.add", params: a)
            #expect(key.hasPrefix("b24-"))
            #expect(key.count == 4 + 32)
            #expect(key.dropFirst(4).allSatisfy { "0123456789abcdef".contains($0) })
            #expect(B24Store.derivedIdempotencyKey(profile: "prod", method: "crm.deal.add", params: reordered) == key)
            #expect(B24Store.derivedIdempotencyKey(profile: "prod", method: "CRM.DEAL.ADD", params: a) == key)
            #expect(B24Store.paramsHash(a) == B24Store.paramsHash(reordered))

            let differentValue: JSONValue = ["fields": ["TITLE": "Deal 2", "STAGE_ID": "NEW", "UF": ["y": 1, "x": [1, 2]]], "params": ["REGISTER_SONET_EVENT": "Y"]]
            let differentOrderInList: JSONValue = ["fields": ["TITLE": "Deal", "STAGE_ID": "NEW", "UF": ["y": 1, "x": [2, 1]]], "params": ["REGISTER_SONET_EVENT": "Y"]]
            let others = [
                B24Store.derivedIdempotencyKey(profile: "prod", method: "crm.deal.add", params: differentValue),
                B24Store.derivedIdempotencyKey(profile: "prod", method: "crm.deal.add", params: differentOrderInList),
                B24Store.derivedIdempotencyKey(profile: "prod", method: "crm.lead.add", params: a),
                B24Store.derivedIdempotencyKey(profile: "staging", method: "crm.deal.add", params: a),
                B24Store.derivedIdempotencyKey(profile: "prod", method: "crm.deal.add", params: ["id": 1]),
                B24Store.derivedIdempotencyKey(profile: "prod", method: "crm.deal.add", params: ["id": "1"]),
            ]
            #expect(Set(others + [key]).count == others.count + 1)
        }

        @Test("canonical JSON sorts keys recursively by bytes")
        func canonical() {
            let value: JSONValue = ["b": 1, "a": ["d": 2, "c": [["z": 1, "y": 2]]], "B": nil, "é": true]
            #expect(value.canonicalJSON == #"{"B":null,"a":{"c":[{"y":2,"z":1}],"d":2},"b":1,"é":true}"#)
        }
    }
}

// MARK: - Audit log

extension StorageTests {
    @Suite("Audit log")
    struct AuditLogTests {
        @Test("one line per call with the seed's fields, mode 0600")
        func lineFields() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let paths = B24Paths(configDirectory: directory.appendingPathComponent("config"),
                                 stateDirectory: directory.appendingPathComponent("state"))
            let log = AuditLog(paths: paths)
            var ok = sampleTrace(id: "call-1")
            ok.error = nil
            var failed = sampleTrace(id: "call-2", method: "crm.deal.add")
            failed.planID = nil
            failed.idempotencyKey = nil
            failed.replayed = true
            failed.duration = 1.2346
            failed.error = CallTrace.TraceError(
                .portal(PortalError(code: "ACCESS_DENIED", message: "denied", httpStatus: 403)), redactor: Redactor())
            try log.append(ok)
            try log.append(failed)

            #expect(mode(paths.auditFile) == 0o600)
            let text = try String(contentsOf: paths.auditFile, encoding: .utf8)
            #expect(text.hasSuffix("\n"))
            let lines = text.split(separator: "\n").map(String.init)
            #expect(lines.count == 2)
            let first = try JSONParser.parse(lines[0])
            #expect(first.objectValue.map { Array($0.keys) } == [
                "ts", "profile", "method", "risk", "status", "error_code", "duration_ms", "plan_id", "idempotency_key",
                "replayed", "attempts", "call_id",
            ])
            #expect(first["ts"] == "2025-06-15T15:06:40.125Z")
            // Milliseconds that a double cannot hold exactly, the carry into the next second, and the epoch.
            #expect(AuditLog.timestamp(Date(timeIntervalSince1970: 1_750_000_000.001)) == "2025-06-15T15:06:40.001Z")
            #expect(AuditLog.timestamp(Date(timeIntervalSince1970: 1_750_000_059.9996)) == "2025-06-15T15:07:40.000Z")
            #expect(AuditLog.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
            #expect(first["profile"] == "prod")
            #expect(first["method"] == "crm.deal.get")
            #expect(first["risk"] == "read")
            #expect(first["status"] == "ok")
            #expect(first["error_code"] == .null)
            #expect(first["duration_ms"] == 438)
            #expect(first["plan_id"] == "0123456789ab")
            #expect(first["idempotency_key"] == "b24-00112233445566778899aabbccddeeff")
            #expect(first["replayed"] == false)
            #expect(first["attempts"] == 2)
            #expect(first["call_id"] == "call-1")

            let second = try JSONParser.parse(lines[1])
            #expect(second["status"] == "error")
            #expect(second["error_code"] == "ACCESS_DENIED")
            #expect(second["duration_ms"] == 1235)
            #expect(second["plan_id"] == .null)
            #expect(second["idempotency_key"] == .null)
            #expect(second["replayed"] == true)
        }

        @Test("every string goes through the redactor")
        func redacts() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let file = directory.appendingPathComponent("audit.jsonl")
            var trace = sampleTrace()
            // A secret that slipped into fields the audit copies must still come out masked.
            trace.profile = "profile-\(secret.reveal())"
            trace.idempotencyKey = secret.reveal()
            trace.error = CallTrace.TraceError(.usage("x"), redactor: Redactor())
            trace.error?.code = "CODE_\(secret.reveal())"
            try AuditLog(file: file, redactor: Redactor([secret])).append(trace)
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(!text.contains(secret.reveal()))
            let line = try JSONParser.parse(text.trimmingCharacters(in: .newlines))
            #expect(line["profile"] == .string("profile-\(secret.masked)"))
            #expect(line["idempotency_key"] == .string(secret.masked))
            #expect(line["error_code"] == .string("CODE_\(secret.masked)"))
        }

        @Test("a looser existing file is made private; a broken location throws")
        func permissionsAndFailures() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let file = directory.appendingPathComponent("audit.jsonl")
            #expect(FileManager.default.createFile(atPath: file.path, contents: Data("{\"old\":1}\n".utf8),
                                           attributes: [.posixPermissions: 0o644]))
            try AuditLog(file: file).append(sampleTrace())
            #expect(mode(file) == 0o600)
            #expect(try String(contentsOf: file, encoding: .utf8).split(separator: "\n").count == 2)

            let blocker = directory.appendingPathComponent("plain-file")
            #expect(FileManager.default.createFile(atPath: blocker.path, contents: Data()))
            let error = #expect(throws: B24Error.self) {
                try AuditLog(file: blocker.appendingPathComponent("audit.jsonl")).append(sampleTrace())
            }
            #expect(error != nil)
        }

        @Test("concurrent appenders never interleave lines")
        func concurrentAppends() async throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let file = directory.appendingPathComponent("audit.jsonl")
            var big = sampleTrace()
            big.method = String(repeating: "m", count: 3000)  // long lines make interleaving visible if it happened
            let trace = big
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let log = AuditLog(file: file)
                        for _ in 0..<50 { try log.append(trace) }
                    }
                }
                try await group.waitForAll()
            }
            let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 200)
            for line in lines {
                #expect((try? JSONParser.parse(String(line)))?["method"] == .string(trace.method))
            }
        }
    }
}
