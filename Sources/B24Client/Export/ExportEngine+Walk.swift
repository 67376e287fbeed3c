import B24Wire
import Foundation

extension ExportEngine {
    /// Sends one batch through the client and returns its envelope and per-command results.
    func send(_ batch: [BatchCommand]) async throws -> (JSONValue, [BatchCommandResult]) {
        var cmd = JSONObject()
        for command in batch { cmd[command.key] = .string(command.encoded) }
        var call = CallRequest(method: "batch", params: .object(["halt": 0, "cmd": .object(cmd)]))
        // A page of 2,500 rows is not worth keeping in the history; the audit still gets its line.
        call.recording = client.options.audit ? .audit : .none
        let counters = self.counters
        summary.requests += 1
        let outcome = await client.call(call) { counters.hear($0) }
        switch outcome.result {
        case .failure(let error): throw ExportError.client(error)
        case .success(let envelope):
            return (envelope, B24Client.batchResults(envelope["result"] ?? .null, commands: batch))
        }
    }

    /// Walks the `>ID` cursor from the checkpoint to the top of the scope, writing each batch's rows.
    func walkCursor(_ store: B24Store, extraFilter: JSONObject) async throws {
        guard case .cursor = walk else { return }
        let maxID = checkpoint.maxID
        var failures = 0
        while maxID > 0, (checkpoint.lastID ?? 0) < maxID {
            let size = try await pagesForNextBatch()
            let batch = commands.cursorPages(after: checkpoint.lastID, maxID: maxID, count: size, extraFilter: extraFilter)
            let (envelope, results) = try await send(batch)
            let times = Self.ordered(envelope["result"]?["result_time"] ?? .null)
            scheduler.observe(batch.compactMap { times[$0.key] })
            var rows: [JSONValue] = []
            var lastID = checkpoint.lastID
            var reachedEnd = false
            var broken: String?
            for result in results {
                if let error = result.error {
                    if error.isOperatingLimit { scheduler.exhausted(resetAt: nil); summary.operatingLimitAnswers += 1 }
                    broken = error.code + " " + error.message
                    break
                }
                guard let page = commands.rows(of: result.result) else { broken = "a page without a list"; break }
                // A page must continue where the last ended: an unresolved reference would start it over.
                if let first = page.first.flatMap(walk.rowID), let lastID, first <= lastID { broken = "a page out of order"; break }
                guard page.allSatisfy({ walk.rowID($0) != nil }) else {
                    throw ExportError.client(.decoding("\(request.method) rows carry no numeric ID; the cursor cannot go on"))
                }
                rows += page
                lastID = page.last.flatMap(walk.rowID) ?? lastID
                if page.count < 50 || (lastID ?? 0) >= maxID { reachedEnd = true; break }
            }
            if !rows.isEmpty || reachedEnd {
                try write(rows: rows, lastID: reachedEnd ? maxID : lastID, offset: nil, store: store)
                failures = 0
            }
            if let broken, !reachedEnd {
                if rows.isEmpty { failures += 1; summary.retries += 1 }
                guard failures < Self.batchAttempts else {
                    throw ExportError.client(.decoding("\(request.method) pages keep failing (\(broken)); --resume continues from row \(checkpoint.rows)"))
                }
            }
            report()
        }
    }

    /// Walks `start` offsets from the checkpoint to the end of the list.
    func walkOffsets(_ store: B24Store) async throws {
        var failures = 0
        var done = checkpoint.total == 0
        while !done {
            let remaining = max(1, (checkpoint.total - checkpoint.offset + 49) / 50)
            let size = min(try await pagesForNextBatch(), remaining)
            let batch = commands.offsetPages(from: checkpoint.offset, count: size)
            let (envelope, results) = try await send(batch)
            let times = Self.ordered(envelope["result"]?["result_time"] ?? .null)
            scheduler.observe(batch.compactMap { times[$0.key] })
            var rows: [JSONValue] = []
            var offset = checkpoint.offset
            var broken = false
            for result in results {
                if let error = result.error {
                    if error.isOperatingLimit { scheduler.exhausted(resetAt: nil); summary.operatingLimitAnswers += 1 }
                    broken = true
                    break
                }
                guard let page = commands.rows(of: result.result) else { broken = true; break }
                rows += page
                offset += 50
                if page.count < 50 || result.next == nil { done = true; break }
            }
            if !rows.isEmpty || done { try write(rows: rows, lastID: nil, offset: offset, store: store) }
            if broken, rows.isEmpty {
                failures += 1
                summary.retries += 1
                guard failures < Self.batchAttempts else {
                    throw ExportError.client(.decoding("\(request.method) pages keep failing; --resume continues from row \(checkpoint.rows)"))
                }
            } else {
                failures = 0
            }
            report()
        }
    }

    /// How many pages the next batch carries: 50, fewer when the operating budget has room for fewer, or one
    /// after sleeping until the budget's reset.
    private func pagesForNextBatch() async throws -> Int {
        var pages = scheduler.pagesAllowed(limit: 50)
        if pages == 0 {
            let wait = scheduler.waitForReset()
            guard wait <= client.options.maxOperatingWait else {
                throw ExportError.client(.portal(PortalError(
                    code: "OPERATION_TIME_LIMIT", message: "the operating-time budget of \(request.method) resets in \(Int(wait)) s, more than --max-operating-wait", httpStatus: 429)))
            }
            observer(.waiting(reason: "for the operating-time budget of \(request.method) to reset", seconds: wait))
            summary.operatingWaits += wait
            try await sleep(wait)
            scheduler.afterReset()
            pages = max(1, scheduler.pagesAllowed(limit: 50))
        }
        return pages
    }

    private func sleep(_ seconds: TimeInterval) async throws {
        do { try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9)) } catch {
            throw ExportError.client(.cancelled(method: request.method))
        }
    }

    /// Tells the observer where the export stands.
    func report() {
        let elapsed = Date().timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(rowsThisRun) / elapsed : 0
        let left = max(0, checkpoint.total - checkpoint.rows)
        let fill = ((try? client.bucket.currentLevel()) ?? 0) / max(1, client.bucket.settings.burst)
        observer(.progress(ExportProgress(
            phase: checkpoint.phase, rows: checkpoint.rows, total: checkpoint.total, elapsed: elapsed,
            rowsPerSecond: rate, eta: rate > 0 && checkpoint.phase == "main" ? Double(left) / rate : nil,
            requests: summary.requests, bucketFill: min(1, max(0, fill)), operatingUsed: scheduler.used,
            operatingBudget: scheduler.budget)))
    }
}
