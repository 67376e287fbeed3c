import B24Catalog
import B24Wire
import Foundation

/// Exports a whole list to a file at the portal's speed limit, resumably.
///
/// The scope is fixed when the export begins: the highest matching ID then bounds it (`<=ID`), so rows added
/// meanwhile do not make it endless, and the portal's count of that scope is the total to check against at the
/// end. Lists with an ID cursor (``ExportWalk/forMethod(_:)``) are read in batches of up to 50 `start=-1` pages,
/// each page filtered `>ID` on the previous page's last ID through a `$result[pN][49][ID]` reference, so one
/// request reads 2,500 rows and the portal never counts or skips; other lists are read in batches of `start`
/// offsets. Every batch goes through the client (guardrails, shared leaky bucket, retries of reads); the
/// ``OperatingScheduler`` sizes batches so the method's operating time stays under its budget and sleeps until
/// `operating_reset_at` when it would not. After each batch its rows are appended to the file, flushed, and the
/// checkpoint (last ID or offset, rows, file length) is committed in the b24 database.
public final class ExportEngine: @unchecked Sendable {
    public let client: B24Client
    public let request: ExportRequest
    let walk: ExportWalk
    let commands: ExportCommands
    let observer: ExportObserver
    /// Attempts of one batch whose answer was unusable (a command error other than the operating limit).
    static let batchAttempts = 5

    // State of one run, touched only by the task running it.
    var summary = ExportSummary()
    var scheduler: OperatingScheduler
    var checkpoint: ExportCheckpoint!
    var file: ExportFile!
    var formatter: ExportRowFormatter
    var started = Date()
    var rowsThisRun = 0
    let counters = AnswerCounters()

    public init(client: B24Client, request: ExportRequest, observer: @escaping ExportObserver = { _ in }) {
        self.client = client
        var request = request
        request.output = request.output.standardizedFileURL
        self.request = request
        let walk = ExportWalk.forMethod(request.method)
        let commands = ExportCommands(request: request, walk: walk)
        self.walk = walk
        self.commands = commands
        self.observer = observer
        scheduler = OperatingScheduler(budget: request.operatingBudget ?? client.budget.settings.operatingBudget)
        switch request.format {
        case .jsonl: formatter = JSONLRowFormatter()
        case .csv: formatter = CSVRowFormatter(select: commands.select)
        }
    }

    /// Runs the export to its end. Throws ``ExportError``; the file then keeps every row up to the checkpoint,
    /// and `--resume` continues from there.
    public func run() async throws -> ExportSummary {
        started = Date()
        defer { file?.close() }
        try validate()
        let store: B24Store
        do { store = try client.store() } catch { throw ExportError.output("cannot open the b24 database for the checkpoint: \(error)") }
        try await prepare(store)
        if checkpoint.phase == "done" {
            summary.alreadyComplete = true
            summary.rows = checkpoint.rows
            summary.total = checkpoint.total
            return finish()
        }
        observer(.scoped(maxID: checkpoint.maxID > 0 ? checkpoint.maxID : nil, total: checkpoint.total,
                         resumedRows: checkpoint.rows))
        if checkpoint.phase == "main" {
            switch walk {
            case .cursor: try await walkCursor(store, extraFilter: [:])
            case .offset: try await walkOffsets(store)
            }
            try await checkCount()
            checkpoint.phase = request.catchUp ? "catch-up" : "done"
            if request.catchUp { checkpoint.lastID = nil }
            try commit(store)
        }
        if checkpoint.phase == "catch-up" {
            let before = checkpoint.rows
            try await walkCursor(store, extraFilter: [">" + catchUpField(): .string(checkpoint.startedAt)])
            summary.catchUpRows = checkpoint.rows - before
            checkpoint.phase = "done"
            try commit(store)
        }
        summary.rows = checkpoint.rows - summary.catchUpRows
        summary.total = checkpoint.total
        return finish()
    }

    private func finish() -> ExportSummary {
        summary.elapsed = Date().timeIntervalSince(started)
        summary.rateLimitAnswers = counters.rateLimited
        summary.operatingLimitAnswers += counters.operatingLimited
        summary.droppedValues = formatter.droppedValues
        if summary.droppedValues > 0 {
            summary.warnings.append("\(summary.droppedValues) values had no CSV column (fields outside the header); use --select or --format jsonl to keep them")
        }
        return summary
    }

    // MARK: Checks before anything is written

    private func validate() throws {
        if request.catchUp {
            guard case .cursor = walk else {
                throw ExportError.usage("--catch-up walks the >ID cursor over modified rows; \(request.method) has no ID cursor")
            }
        }
        let name = request.method.lowercased()
        guard name.hasSuffix(".list") || name == "user.get" || name.hasSuffix(".get") && name.split(separator: ".").count == 2 else {
            throw ExportError.usage("\(request.method) is not a list method (export reads methods such as crm.lead.list, crm.item.list, tasks.task.list, user.get)")
        }
        let probe = CallRequest(method: request.method, params: .object(request.params))
        do { _ = try client.checkPolicy(probe) } catch { throw ExportError.client((error as? B24Error) ?? .usage("\(error)")) }
    }

    /// Opens the file and the checkpoint as `mode` says, or fixes the scope of a new export.
    private func prepare(_ store: B24Store) async throws {
        let path = request.output.path
        let hash = request.queryHash
        let saved: ExportCheckpoint?
        do { saved = try store.exportCheckpoint(method: request.method, queryHash: hash, output: path) } catch {
            throw ExportError.output("cannot read the export checkpoint: \(error)")
        }
        let exists = FileManager.default.fileExists(atPath: path)
        switch request.mode {
        case .create:
            if exists {
                throw ExportError.usage("\(path) exists; pass --resume to continue its export or --force to replace it")
            }
        case .resume:
            if let saved {
                // A run killed right after its first commit may not have created the file yet.
                guard exists || saved.fileLength == 0 else {
                    throw ExportError.usage("\(path) is gone but its checkpoint is there; start over with --force")
                }
                checkpoint = saved
                if case .csv = request.format { formatter = CSVRowFormatter(select: commands.select, columns: saved.columns.isEmpty ? nil : saved.columns) }
                file = try ExportFile(url: request.output, resumeAt: saved.fileLength)
                return
            }
            if exists {
                let others = (try? store.exportCheckpoints(output: path)) ?? []
                let reason = others.isEmpty ? "no export checkpoint belongs to it"
                    : "its checkpoint is for another query (\(others[0].method) with other filter, select or format)"
                throw ExportError.usage("cannot resume \(path): \(reason); export again with --force")
            }
        case .force:
            break
        }
        try await checkFieldNames()
        do { try store.deleteExportCheckpoints(output: path) } catch {
            throw ExportError.output("cannot reset the export checkpoint: \(error)")
        }
        checkpoint = try await fixScope(hash: hash)
        // The checkpoint first: a run killed before its file exists is resumed, not refused.
        try commit(store)
        file = try ExportFile(url: request.output, resumeAt: nil)
        // A CSV file of explicit columns gets its header now; one of `*` columns with the first rows.
        if case .csv = request.format, !formatter.columns.isEmpty || checkpoint.total == 0 {
            try write(header: [])
        }
        try commit(store)
    }

    /// The scope query: one batch with the highest ID (cursor walks) and the portal's count below it.
    private func fixScope(hash: String) async throws -> ExportCheckpoint {
        let scope = commands.scope(maxKey: "top", countKey: "count")
        let (envelope, results) = try await send(scope)
        for result in results {
            if let error = result.error {
                throw ExportError.client(.portal(error))
            }
            guard commands.rows(of: result.result) != nil else {
                throw ExportError.usage("\(request.method) did not answer with a list, so it cannot be exported")
            }
        }
        let times = (envelope["result"]?["result_time"]).map(Self.ordered) ?? [:]
        // The top query is a cursor page's cost (plus any earlier use); the count is no page, so it only moves
        // the method's use.
        if let top = times["top"]?["operating"]?.doubleValue { scheduler.seed(cost: top) }
        for command in scope { if let time = times[command.key] { scheduler.note(time) } }
        let maxID = results.first { $0.key == "top" }.flatMap { commands.rows(of: $0.result)?.first }.flatMap(walk.rowID) ?? 0
        let count = results.first { $0.key == "count" }
        var total = count?.total ?? 0
        if case .cursor = walk, maxID == 0 { total = 0 }
        let startedAt = envelope["time"]?["date_start"]?.stringValue ?? ISO8601DateFormatter().string(from: Date())
        return ExportCheckpoint(method: request.method, queryHash: hash, output: request.output.path,
                                maxID: maxID, total: total, startedAt: startedAt)
    }

    /// The rows written must match the portal's count of the scope; rows deleted or changed to fall out of the
    /// filter during the export make the counts differ, so the count is asked again before it is called a gap.
    private func checkCount() async throws {
        guard checkpoint.rows != checkpoint.total else { return }
        let scope = commands.scope(maxKey: "top", countKey: "count")
        var bounded = scope
        if case .cursor(let field, _) = walk {
            var filter = request.filter
            filter["<=" + field] = .int(checkpoint.maxID)
            var params = request.params
            params["filter"] = .object(filter)
            params["select"] = .array([.string(field)])
            params["start"] = 0
            bounded = [BatchCommand(key: "count", method: request.method, params: .object(params))]
        }
        if let answer = try? await send(bounded), let total = answer.1.last?.total {
            summary.totalAtEnd = total
        }
        if !summary.countMatches {
            let now = summary.totalAtEnd.map { ", \($0) now" } ?? ""
            let text = "wrote \(checkpoint.rows) rows; the portal counted \(checkpoint.total) in scope at the start\(now) (rows added, deleted or changed during the export; --catch-up fetches the changed ones)"
            summary.warnings.append(text)
            observer(.warning(text))
        }
    }

    /// The field that tells when a row changed, for `--catch-up`.
    private func catchUpField() -> String {
        request.method.lowercased() == "crm.item.list" ? "updatedTime"
            : request.method.lowercased() == "tasks.task.list" ? "CHANGED_DATE" : "DATE_MODIFY"
    }

    // MARK: Writing

    /// Writes the CSV header (a new file), deciding `*` columns from the first rows.
    func write(header firstRows: [JSONValue]) throws {
        let bytes: [UInt8]
        do { bytes = try formatter.prologue(firstRows: firstRows) } catch { throw ExportError.output("cannot format the CSV header: \(error)") }
        try file.append(bytes)
        checkpoint.columns = formatter.columns
        checkpoint.fileLength = file.length
    }

    /// Appends rows, then commits the checkpoint that covers them.
    func write(rows: [JSONValue], lastID: Int64?, offset: Int?, store: B24Store) throws {
        if case .csv = request.format, checkpoint.fileLength == 0, !rows.isEmpty { try write(header: rows) }
        let bytes: [UInt8]
        do { bytes = try formatter.encode(rows) } catch { throw ExportError.output("cannot format rows: \(error)") }
        try file.append(bytes)
        checkpoint.rows += rows.count
        rowsThisRun += rows.count
        checkpoint.fileLength = file.length
        if let lastID { checkpoint.lastID = lastID }
        if let offset { checkpoint.offset = offset }
        try commit(store)
    }

    func commit(_ store: B24Store) throws {
        checkpoint.updatedAt = Date()
        do { try store.saveExportCheckpoint(checkpoint) } catch {
            throw ExportError.output("cannot save the export checkpoint (the file holds \(checkpoint.rows) rows): \(error)")
        }
    }

    /// A `result_time` map (PHP may send it as a list for keys 0..n-1).
    static func ordered(_ value: JSONValue) -> JSONObject { value.objectValue ?? [:] }
}

/// Counts of limit answers heard from the client's calls, across tasks.
final class AnswerCounters: @unchecked Sendable {
    private let lock = NSLock()
    private var rate = 0, operating = 0
    var rateLimited: Int { lock.withLock { rate } }
    var operatingLimited: Int { lock.withLock { operating } }

    func hear(_ event: CallEvent) {
        guard case .attemptAnswered(_, _, let code, _, _) = event else { return }
        lock.withLock {
            if code == "QUERY_LIMIT_EXCEEDED" { rate += 1 }
            if code == "OPERATION_TIME_LIMIT" { operating += 1 }
        }
    }
}
