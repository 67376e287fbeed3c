import B24Wire
import Foundation
import Testing
@testable import B24Client

/// Groups the limits suites, so `--filter LimiterTests` selects them all.
@Suite("Limits") struct LimiterTests {}

// MARK: - Helpers

private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("b24-limiter-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private func remove(_ url: URL) { try? FileManager.default.removeItem(at: url) }

/// A clock that moves only when a test (or a fake sleep) moves it, so waits are exact.
private final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    private var slept: [TimeInterval] = []

    init(_ start: Date = Date(timeIntervalSince1970: 1_750_000_000)) { current = start }

    var now: Date { lock.withLock { current } }
    var sleeps: [TimeInterval] { lock.withLock { slept } }

    func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }

    /// A sleep that advances this clock instead of waiting.
    func sleep(_ seconds: TimeInterval) {
        lock.withLock {
            slept.append(seconds)
            current += seconds
        }
    }
}

private func bucket(_ clock: ManualClock, directory: URL, burst: Double = 50, perSecond: Double = 20,
                    advances: Bool = true) -> SharedLeakyBucket
{
    SharedLeakyBucket(
        portal: "example.bitrix24.com:443", settings: LimiterSettings(burst: burst, perSecond: perSecond),
        directory: directory, clock: { clock.now },
        sleep: { seconds in if advances { clock.sleep(seconds) } })
}

// MARK: - Leaky bucket

extension LimiterTests {
    @Suite("Shared leaky bucket")
    struct LeakyBucketTests {
        @Test("60 acquires on a 50/20 bucket: 48 usable slots (5 % headroom), 12/20 s of waits in total (manual clock)")
        func waitsSumExactly() async throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let clock = ManualClock()
            let limiter = bucket(clock, directory: directory)
            var waits: [TimeInterval] = []
            for _ in 0..<60 { waits.append(try await limiter.acquire()) }
            #expect(limiter.usableBurst == 48)
            #expect(waits.prefix(48).allSatisfy { $0 == 0 })
            let total = waits.reduce(0, +)
            #expect(total >= 12.0 / 20.0)
            // Conservative, but only by the headroom and the per-request margin.
            #expect(total <= 12.0 / 20.0 + 12 * limiter.margin + 1e-6)
            // Dates near 2025 carry ~1e-7 s of rounding, hence the tolerance.
            #expect(waits.suffix(12).allSatisfy { $0 >= 1.0 / 20.0 - 1e-6 })
            #expect(clock.sleeps.count == 12)
        }

        @Test("60 acquires on a 50/20 bucket with real sleeps")
        func waitsSumRealTime() async throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let limiter = SharedLeakyBucket(
                portal: "example.bitrix24.com:443", settings: LimiterSettings(burst: 50, perSecond: 20), directory: directory)
            let start = Date()
            var total: TimeInterval = 0
            for _ in 0..<60 { total += try await limiter.acquire() }
            let elapsed = Date().timeIntervalSince(start)
            // Ten slots must drain at 20/s. The bucket also drains while the loop works outside its sleeps (file I/O
            // on a busy machine), and only the rest is returned as waits.
            let busy = elapsed - total
            #expect(total > 0)
            #expect(total >= 12.0 / 20.0 - busy - 0.01)
            #expect(total <= 12.0 / 20.0 + 12 * limiter.margin + 0.01)
            #expect(elapsed >= 12.0 / 20.0 - 0.01)
        }

        @Test("two instances on one directory (two processes) share the level")
        func sharedBetweenInstances() async throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let clock = ManualClock()
            let first = bucket(clock, directory: directory, burst: 50, perSecond: 1, advances: false)
            let second = bucket(clock, directory: directory, burst: 50, perSecond: 1, advances: false)
            for _ in 0..<48 { #expect(try await first.acquire() == 0) }
            #expect(try second.currentLevel() == 48)
            let secondWait = try await second.acquire()
            #expect(abs(secondWait - (1 + second.margin)) < 1e-9)
            // The first instance now queues behind the second's reservation.
            let firstWait = try await first.acquire()
            #expect(abs(firstWait - (2 + first.margin)) < 1e-9)
            clock.advance(30)
            #expect(try first.currentLevel() == 20)
            // Another portal has its own bucket.
            let other = SharedLeakyBucket(portal: "other.bitrix24.com:443", settings: LimiterSettings(burst: 50, perSecond: 1),
                                          directory: directory, clock: { clock.now }, sleep: { _ in })
            #expect(try await other.acquire() == 0)
        }

        @Test("two instances acquiring concurrently never overbook the bucket")
        func concurrentInstances() async throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let clock = ManualClock()
            let limiters = [
                bucket(clock, directory: directory, burst: 50, perSecond: 2, advances: false),
                bucket(clock, directory: directory, burst: 50, perSecond: 2, advances: false),
            ]
            let waits = try await withThrowingTaskGroup(of: [TimeInterval].self) { group in
                for limiter in limiters {
                    group.addTask {
                        var waits: [TimeInterval] = []
                        for _ in 0..<30 { waits.append(try await limiter.acquire()) }
                        return waits
                    }
                }
                var all: [TimeInterval] = []
                for try await part in group { all += part }
                return all
            }
            // The clock stands still: 48 free slots, then waits of 1..12 drain intervals, each exactly once.
            let delayed = waits.filter { $0 > 0 }.sorted()
            #expect(waits.count == 60)
            #expect(delayed.count == 12)
            let margin = limiters[0].margin
            #expect(delayed.enumerated().allSatisfy { abs($0.element - (Double($0.offset + 1) / 2 + margin)) < 1e-9 })
        }

        @Test("markFull after a 503 makes the next acquire wait a full drain interval")
        func markFull() async throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let clock = ManualClock()
            let limiter = bucket(clock, directory: directory, burst: 50, perSecond: 2)
            #expect(try await limiter.acquire() == 0)
            try limiter.markFull()
            #expect(try limiter.currentLevel() == limiter.usableBurst)
            #expect(abs(try await limiter.acquire() - (0.5 + limiter.margin)) < 1e-9)
        }

        @Test("a damaged state file counts as a full bucket; a clock going back drains nothing")
        func damagedStateAndClockSkew() async throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let clock = ManualClock()
            let limiter = bucket(clock, directory: directory, burst: 10, perSecond: 1, advances: false)
            #expect(try await limiter.acquire() == 0)
            try Data("not json".utf8).write(to: limiter.stateFile)
            #expect(try limiter.currentLevel() == limiter.usableBurst)
            #expect(try await limiter.acquire() > 0)

            let fresh = try temporaryDirectory()
            defer { remove(fresh) }
            let skewed = bucket(clock, directory: fresh, burst: 10, perSecond: 1, advances: false)
            for _ in 0..<5 { _ = try await skewed.acquire() }
            clock.advance(-3600)
            #expect(try skewed.currentLevel() == 5)
            #expect(try await skewed.acquire() == 0)
            clock.advance(2)
            #expect(try skewed.currentLevel() == 4)
        }

        @Test("a cancelled task does not take a slot")
        func cancellation() async throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let clock = ManualClock()
            let limiter = bucket(clock, directory: directory)
            let task = Task { () -> TimeInterval in
                withUnsafeCurrentTask { $0?.cancel() }
                return try await limiter.acquire()
            }
            await #expect(throws: CancellationError.self) { try await task.value }
            #expect(try limiter.currentLevel() == 0)
        }

        @Test("an unusable state directory fails the acquire with a usage error")
        func unusableDirectory() async throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let blocker = directory.appendingPathComponent("plain-file")
            #expect(FileManager.default.createFile(atPath: blocker.path, contents: Data()))
            let limiter = SharedLeakyBucket(portal: "p:443", directory: blocker.appendingPathComponent("limiter"))
            let error = await #expect(throws: B24Error.self) { _ = try await limiter.acquire() }
            #expect(error?.exitCode == B24ExitCode.usage)
            let budget = OperatingBudget(portal: "p:443", directory: blocker.appendingPathComponent("limiter"))
            #expect(throws: B24Error.self) { try budget.record(method: "m", operating: 1, resetAt: nil) }
            // Reading what cannot be read means no report: the portal still enforces its limit.
            #expect(budget.requiredWait(method: "m") == 0)
        }

        @Test("portal keys and state file names")
        func portalKeys() throws {
            #expect(SharedLeakyBucket.portalKey(host: "Example.Bitrix24.com") == "example.bitrix24.com:443")
            #expect(SharedLeakyBucket.portalKey(for: URL(string: "https://a.bitrix24.ru/rest/1/x/profile.json")!) == "a.bitrix24.ru:443")
            #expect(SharedLeakyBucket.portalKey(for: URL(string: "http://127.0.0.1:8024/rest/")!) == "127.0.0.1:8024")
            #expect(LimiterFiles.baseName(for: "127.0.0.1:8024") == "127.0.0.1_8024")
            #expect(LimiterFiles.baseName(for: "../etc/passwd") == "portal_.._etc_passwd")
            let paths = B24Paths(configDirectory: URL(fileURLWithPath: "/c"), stateDirectory: URL(fileURLWithPath: "/s"))
            let limiter = SharedLeakyBucket(portal: "a.b:443", paths: paths)
            #expect(limiter.stateFile.path == "/s/limiter/a.b_443.bucket.json")
        }
    }
}

// MARK: - Settings

extension LimiterTests {
    @Suite("Limiter settings")
    struct LimiterSettingsTests {
        @Test("defaults match the non-Enterprise portal limits")
        func defaults() {
            let settings = LimiterSettings()
            #expect(settings.burst == 50)
            #expect(settings.perSecond == 2)
            #expect(settings.operatingBudget == 480)
            #expect(settings.operatingWindow == 600)
            #expect(settings.bucketDescription == "50/2")
        }

        @Test("parseBucket reads BURST/PER_SECOND")
        func parse() throws {
            let enterprise = try LimiterSettings.parseBucket("250/5")
            #expect(enterprise.burst == 250)
            #expect(enterprise.perSecond == 5)
            #expect(enterprise == .enterprise)
            #expect(enterprise.operatingBudget == 480)
            #expect(try LimiterSettings.parseBucket(" 50 / 2 ") == LimiterSettings())
            #expect(try LimiterSettings.parseBucket("10/0.5").perSecond == 0.5)
            #expect(try LimiterSettings.parseBucket("10/0.5").bucketDescription == "10/0.5")
        }

        @Test("parseBucket refuses junk with a usage error naming the input", arguments: [
            "", "50", "50/", "/2", "a/b", "50/x", "50/0", "0/2", "50/-1", "-5/2", "50/2/3", "inf/2", "50/nan", "50:2",
        ])
        func parseErrors(_ text: String) {
            do {
                _ = try LimiterSettings.parseBucket(text)
                Issue.record("accepted \"\(text)\"")
            } catch B24Error.usage(let message) {
                #expect(message.contains("\"\(text)\""))
                #expect(message.contains("BURST/PER_SECOND"))
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }

        @Test("decoding fills missing fields with defaults")
        func decoding() throws {
            let settings = try JSONDecoder().decode(LimiterSettings.self, from: Data(#"{"burst":250}"#.utf8))
            #expect(settings == LimiterSettings(burst: 250))
            let full = LimiterSettings(burst: 250, perSecond: 5, operatingBudget: 400, operatingWindow: 500)
            #expect(try JSONDecoder().decode(LimiterSettings.self, from: JSONEncoder().encode(full)) == full)
        }
    }
}

// MARK: - Operating budget

extension LimiterTests {
    @Suite("Operating-time budget")
    struct OperatingBudgetTests {
        private let now = Date(timeIntervalSince1970: 1_750_000_000)

        @Test("waits until reset_at once the budget is used up")
        func waitWhenSpent() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let budget = OperatingBudget(portal: "example.bitrix24.com:443", directory: directory)
            #expect(budget.requiredWait(method: "crm.deal.list", now: now) == 0)
            try budget.record(method: "crm.deal.list", operating: 100, resetAt: now.addingTimeInterval(300), now: now)
            #expect(budget.requiredWait(method: "crm.deal.list", now: now) == 0)
            try budget.record(method: "crm.deal.list", operating: 480.5, resetAt: now.addingTimeInterval(42), now: now)
            #expect(budget.requiredWait(method: "crm.deal.list", now: now) == 42)
            #expect(budget.requiredWait(method: "CRM.DEAL.LIST", now: now.addingTimeInterval(2)) == 40)
            #expect(budget.requiredWait(method: "crm.deal.get", now: now) == 0)
            #expect(budget.requiredWait(method: "crm.deal.list", now: now.addingTimeInterval(42)) == 0)
            #expect(budget.usage(method: "crm.deal.list", now: now)?.operating == 480.5)
        }

        @Test("another process sees the same reports")
        func shared() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let one = OperatingBudget(portal: "p:443", directory: directory)
            let two = OperatingBudget(portal: "p:443", directory: directory)
            try one.record(method: "tasks.task.list", operating: 480, resetAt: now.addingTimeInterval(10), now: now)
            try two.record(method: "crm.item.list", operating: 5, resetAt: now.addingTimeInterval(500), now: now)
            #expect(two.requiredWait(method: "tasks.task.list", now: now) == 10)
            #expect(one.usage(method: "crm.item.list", now: now)?.operating == 5)
            let elsewhere = OperatingBudget(portal: "q:443", directory: directory)
            #expect(elsewhere.requiredWait(method: "tasks.task.list", now: now) == 0)
        }

        @Test("reads the time block of a response; no reset means a full window")
        func fromEnvelope() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let budget = OperatingBudget(portal: "p:443", settings: LimiterSettings(operatingBudget: 10), directory: directory)
            let envelope: JSONValue = [
                "result": [],
                "time": ["start": 1_750_000_000.1, "operating_reset_at": 1_750_000_030, "operating": 12.25],
            ]
            try budget.record(timeOf: envelope, method: "crm.deal.list", now: now)
            #expect(budget.requiredWait(method: "crm.deal.list", now: now) == 30)
            try budget.record(timeOf: ["result": true], method: "crm.deal.get", now: now)
            #expect(budget.usage(method: "crm.deal.get", now: now) == nil)
            try budget.record(method: "crm.deal.get", operating: 11, resetAt: nil, now: now)
            #expect(budget.requiredWait(method: "crm.deal.get", now: now) == 600)
        }

        @Test("finished windows are dropped from the file")
        func prunes() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let budget = OperatingBudget(portal: "p:443", directory: directory)
            try budget.record(method: "a", operating: 1, resetAt: now.addingTimeInterval(5), now: now)
            try budget.record(method: "b", operating: 1, resetAt: now.addingTimeInterval(500), now: now.addingTimeInterval(10))
            let stored = try JSONDecoder().decode([String: OperatingBudget.Usage].self, from: Data(contentsOf: budget.stateFile))
            #expect(Set(stored.keys) == ["b"])
        }

        @Test("a state file written by an earlier b24 (Foundation's JSONEncoder) is still read; a damaged entry is skipped")
        func readsEarlierFiles() throws {
            let directory = try temporaryDirectory()
            defer { remove(directory) }
            let budget = OperatingBudget(portal: "p:443", directory: directory)
            let earlier = ["tasks.task.list": OperatingBudget.Usage(operating: 481, resetAt: now.addingTimeInterval(25))]
            try JSONEncoder().encode(earlier).write(to: budget.stateFile)
            #expect(budget.requiredWait(method: "tasks.task.list", now: now) == 25)
            let mixed = #"{"a":{"operating":"lots","resetAt":1},"tasks.task.list":{"operating":481,"resetAt":\#(now.timeIntervalSinceReferenceDate + 7)}}"#
            try Data(mixed.utf8).write(to: budget.stateFile)
            #expect(budget.usage(method: "a", now: now) == nil)
            #expect(budget.requiredWait(method: "tasks.task.list", now: now) == 7)
        }
    }
}

// MARK: - Backoff

extension LimiterTests {
    @Suite("Backoff")
    struct BackoffTests {
        @Test("the envelope doubles from base up to the cap")
        func envelope() {
            let policy = BackoffPolicy()
            #expect((1...7).map { policy.envelope(attempt: $0) } == [0.5, 1, 2, 4, 8, 8, 8])
            #expect(policy.envelope(attempt: 1000) == 8)
            #expect(policy.envelope(attempt: 0) == 0.5)
        }

        @Test("full jitter: delay = random × envelope, never above the cap")
        func jitter() {
            let top = BackoffPolicy(random: { 0.999_999 })
            let delays = (1...10).map { top.delay(attempt: $0) }
            #expect(zip(delays, delays.dropFirst()).allSatisfy { $0 <= $1 })
            #expect(delays.allSatisfy { $0 <= 8 })
            #expect(abs(delays[2] - 2 * 0.999_999) < 1e-12)
            #expect(BackoffPolicy(random: { 0 }).delay(attempt: 5) == 0)
            // A broken random source is clamped.
            #expect(BackoffPolicy(random: { 7 }).delay(attempt: 2) == 1)
            #expect(BackoffPolicy(random: { -1 }).delay(attempt: 2) == 0)

            let real = BackoffPolicy()
            for attempt in 1...12 {
                for _ in 0..<200 {
                    let delay = real.delay(attempt: attempt)
                    #expect(delay >= 0 && delay <= real.envelope(attempt: attempt) && delay <= real.cap)
                }
            }
        }

        @Test("retries stop after maxAttempts")
        func attempts() {
            let policy = BackoffPolicy()
            #expect(policy.maxAttempts == 4)
            #expect((1...5).map { policy.allowsRetry(after: $0) } == [true, true, true, false, false])
        }
    }
}
