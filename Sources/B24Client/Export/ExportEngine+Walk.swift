import B24Wire
import Foundation

extension ExportEngine {
    /// Sends one batch through the client and returns its envelope and per-command results.
    func send(_ batch: [BatchCommand]) async throws -> (JSONValue, [BatchCommandResult]) {
        summary.requests += 1
        return try await sendCounted(batch)
    }

    /// `send` without touching the run's state, for batches sent side by side.
    private func sendCounted(_ batch: [BatchCommand]) async throws -> (JSONValue, [BatchCommandResult]) {
        var cmd = JSONObject()
        for command in batch { cmd[command.key] = .string(command.encoded) }
        var call = CallRequest(method: "batch", params: .object(["halt": 0, "cmd": .object(cmd)]))
        // A page of 2,500 rows is not worth keeping in the history; the audit still gets its line.
        call.recording = client.options.audit ? .audit : .none
        let counters = self.counters
        let outcome = await client.call(call) { counters.hear($0) }
        switch outcome.result {
        case .failure(let error): throw ExportError.client(error)
        case .success(let envelope):
            return (envelope, B24Client.batchResults(envelope["result"] ?? .null, commands: batch))
        }
    }

    /// Batches of one window in flight at once. Each starts `>` an ID no higher than where the one before will
    /// end: 2,500 rows span at least 2,500 IDs, so starting 2,500 IDs further can overlap (rows dropped on
    /// writing) but never leave a gap. On a dense list (no filter) there is no overlap, and the requests'
    /// round trips no longer add up one after the other.
    static let pipelineDepth = 3

    /// Walks the `>ID` cursor from the checkpoint to the top of the scope, writing each batch's rows in order.
    func walkCursor(_ store: B24Store, extraFilter: JSONObject) async throws {
        guard case .cursor = walk else { return }
        let maxID = checkpoint.maxID
        var failures = 0
        var dense = request.filter.isEmpty && extraFilter.isEmpty
        while maxID > 0, (checkpoint.lastID ?? 0) < maxID {
            // The window: several full batches when the operating budget is far, else one sized to fit it.
            var plan: [(start: Int64, batch: [BatchCommand])] = []
            var next = checkpoint.lastID ?? 0
            let depth = dense && scheduler.pagesAllowed(limit: 50 * Self.pipelineDepth) >= 50 * Self.pipelineDepth
                ? Self.pipelineDepth : 1
            for _ in 0..<depth where next < maxID {
                // Rows in (next, maxID] are at most maxID - next: no more pages than that can be needed.
                var size = 50
                if depth == 1 { size = try await pagesForNextBatch() }
                size = min(size, Int((maxID - next + 49) / 50))
                let after = next == 0 && checkpoint.lastID == nil ? nil : next
                plan.append((next, commands.cursorPages(after: after, maxID: maxID, count: size, extraFilter: extraFilter)))
                next += Int64(size * 50)
            }
            summary.requests += plan.count
            // One task per batch, awaited in order (a task group here trapped or stalled in release builds).
            let tasks = plan.map { item in Task { try await self.sendCounted(item.batch) } }
            var answers: [Result<(JSONValue, [BatchCommandResult]), Error>?] = []
            for task in tasks { answers.append(await task.result) }
            for (item, answer) in zip(plan, answers) {
                // The batches before a failed one are written; the failure then stops the run (the client has
                // retried it already), and --resume goes on from the checkpoint.
                guard let answer else { break }
                let (envelope, results) = try answer.get()
                let times = Self.ordered(envelope["result"]?["result_time"] ?? .null)
                scheduler.observe(item.batch.compactMap { times[$0.key] })
                let frontier = checkpoint.lastID ?? 0
                // The batch before ended short of this one's start (its chain broke): going on would leave a gap.
                guard item.start <= frontier else { break }
                let page = try take(results, after: frontier, maxID: maxID)
                if page.dropped > 0 { dense = false }
                if !page.rows.isEmpty || page.reachedEnd {
                    try write(rows: page.rows, lastID: page.reachedEnd ? maxID : page.lastID, offset: nil, store: store)
                    failures = 0
                }
                if let broken = page.broken, !page.reachedEnd {
                    if page.rows.isEmpty {
                        failures += 1
                        summary.retries += 1
                    }
                    guard failures < Self.batchAttempts else {
                        throw ExportError.client(.decoding("\(request.method) pages keep failing (\(broken)); --resume continues from row \(checkpoint.rows)"))
                    }
                    break
                }
                if page.reachedEnd { break }
            }
            report()
        }
    }

    /// The rows of one cursor batch above `frontier`, in order, up to the first failed or out-of-order page.
    private func take(_ results: [BatchCommandResult], after frontier: Int64, maxID: Int64) throws
        -> (rows: [JSONValue], lastID: Int64, reachedEnd: Bool, broken: String?, dropped: Int)
    {
        var rows: [JSONValue] = []
        var lastID = frontier
        var previous: Int64?
        var dropped = 0
        for result in results {
            if let error = result.error {
                if error.isOperatingLimit { scheduler.exhausted(resetAt: nil); summary.operatingLimitAnswers += 1 }
                return (rows, lastID, false, error.code + " " + error.message, dropped)
            }
            guard let page = commands.rows(of: result.result) else { return (rows, lastID, false, "a page without a list", dropped) }
            let ids = page.compactMap(walk.rowID)
            guard ids.count == page.count else {
                throw ExportError.client(.decoding("\(request.method) rows carry no numeric ID; the cursor cannot go on"))
            }
            // Each page continues where the one before ended: an unresolved reference would start it over.
            if let first = ids.first, let previous, first <= previous { return (rows, lastID, false, "a page out of order", dropped) }
            for (row, id) in zip(page, ids) {
                if id > lastID {
                    rows.append(row)
                    lastID = id
                } else {
                    dropped += 1
                }
            }
            previous = ids.last ?? previous
            if page.count < 50 || lastID >= maxID { return (rows, lastID, true, nil, dropped) }
        }
        return (rows, lastID, false, nil, dropped)
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
