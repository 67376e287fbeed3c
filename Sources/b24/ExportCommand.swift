import ArgumentParser
import B24Client
import B24Wire
import Foundation

/// `b24 export METHOD`: a whole list to a JSONL or CSV file at the portal's speed limit, resumable.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a whole list (crm.lead.list, crm.item.list, tasks.task.list, …) to JSONL or CSV.",
        discussion: """
            Reads batches of 50 pages (2,500 rows a request) at the portal's speed limit, with a checkpoint after \
            every batch: --resume continues an interrupted export without duplicates or gaps. The scope is fixed \
            when the export begins (rows up to the highest ID then), and the rows written are checked against the \
            portal's count. Exit codes: 0 done (a count mismatch is a warning), 64 bad arguments or an existing \
            file without --resume/--force, 3 refused by a guardrail, 4 the portal refused (a bad filter or \
            select), 5 network, 7 credentials, 74 the output file could not be written (the file and checkpoint \
            keep every row up to the failure).
            """)

    @Argument(help: "List method, e.g. crm.lead.list.")
    var method: String

    @Option(name: .long, help: "Extra parameters: inline JSON, @FILE, or - for stdin (e.g. {\"entityTypeId\": 2}).")
    var params: String?

    @Option(name: .long, help: "Fields, comma-separated (default: the method's own set; ID is always added).")
    var select: String?

    @Option(name: .long, help: "Filter as JSON, inline or @FILE, e.g. '{\">OPPORTUNITY\": 1000, \"%TITLE\": \"Acme\"}'.")
    var filter: String?

    @Option(name: .long, help: "jsonl or csv (default: from --out's extension, else jsonl).")
    var format: String?

    @Option(name: .long, help: "Output file (default: METHOD.FORMAT in the current directory).")
    var out: String?

    @Flag(name: .long, help: "Continue the export of --out from its checkpoint.")
    var resume = false

    @Flag(name: .long, help: "Replace an existing output file and forget its checkpoint.")
    var force = false

    @Flag(name: .long, help: "After the export, append the rows modified since it began (later lines win).")
    var catchUp = false

    @Flag(name: .long, help: "No progress bar and no summary; errors only.")
    var quiet = false

    @Option(name: .long, help: "Operating seconds per method and 10 minutes the export may use (default: the profile's limiter, 480).")
    var operatingBudget: Double?

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let client: B24Client
        do {
            client = try connection.makeClient { options in
                // The export is the one process pacing a long run: it uses the whole burst, and its own progress
                // bar shows the waits the client would otherwise announce line by line.
                options.burstReserve = 0
                if isatty(2) == 1 || quiet { options.observer = nil }
            }
        } catch { fail(error) }
        let request: ExportRequest
        do { request = try exportRequest() } catch { fail(error, redactor: client.redactor) }
        let view = ExportProgressView(enabled: !quiet && isatty(2) == 1)
        let engine = ExportEngine(client: client, request: request) { event in view.show(event) }
        do {
            let summary = try await engine.run()
            view.close()
            for warning in summary.warnings { printError("warning: " + warning) }
            if !quiet { printInfo(summaryLine(summary, request: request)) }
        } catch {
            view.close()
            let failure = (error as? ExportError) ?? .output("\(error)")
            printError(client.redactor.redact(failure.description))
            Foundation.exit(failure.exitCode)
        }
    }

    func exportRequest() throws -> ExportRequest {
        guard !(resume && force) else { throw B24Error.usage("--resume continues a file and --force replaces it; pass one") }
        let extra = try readParams(params).objectValue ?? [:]
        var filterObject = JSONObject()
        if let filter {
            filterObject = try readParams(filter).objectValue ?? [:]
        }
        for key in ["filter", "select", "order", "start"] where extra.keys.contains(where: { $0.lowercased() == key }) {
            throw B24Error.usage(key == "filter" || key == "select"
                ? "--params must not carry '\(key)': pass it as --\(key)"
                : "--params must not carry '\(key)': the export orders by ID and pages itself")
        }
        let chosen: ExportFormat
        if let format {
            guard let parsed = ExportFormat(rawValue: format.lowercased()) else { throw B24Error.usage("--format must be jsonl or csv") }
            chosen = parsed
        } else {
            chosen = out.map { $0.lowercased().hasSuffix(".csv") } == true ? .csv : .jsonl
        }
        let path = out ?? "\(method.lowercased()).\(chosen.rawValue)"
        if let operatingBudget { guard operatingBudget > 0, operatingBudget.isFinite else { throw B24Error.usage("--operating-budget must be a positive number of seconds") } }
        let url = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        return ExportRequest(
            method: method, params: extra, select: select.map(splitList) ?? [], filter: filterObject, format: chosen,
            output: url.absoluteURL, mode: resume ? .resume : force ? .force : .create, catchUp: catchUp,
            operatingBudget: operatingBudget)
    }

    func summaryLine(_ summary: ExportSummary, request: ExportRequest) -> String {
        if summary.alreadyComplete {
            return "\(request.output.path) is complete: \(summary.rows) rows of \(request.method) (nothing to resume)"
        }
        let rate = summary.elapsed > 0 ? Int(Double(summary.rows) / summary.elapsed) : 0
        let count = summary.countMatches ? "matches the portal's count" : "differs from the portal's count \(summary.total)"
        let catchUp = request.catchUp ? ", \(summary.catchUpRows) changed rows appended" : ""
        return "exported \(summary.rows) rows of \(request.method) to \(request.output.path) in "
            + String(format: "%.1f", summary.elapsed) + " s (\(rate) rows/s; \(count)\(catchUp)); "
            + "\(summary.requests) requests, \(summary.rateLimitAnswers) answers 503, \(summary.operatingLimitAnswers) answers 429, "
            + "\(Int(summary.operatingWaits.rounded())) s waited for operating time"
    }
}

/// The progress bar on stderr: one line redrawn in place, at most ten times a second.
final class ExportProgressView: @unchecked Sendable {
    private let enabled: Bool
    private let lock = NSLock()
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ event: ExportEvent) {
        guard enabled else {
            if case .warning(let text) = event { printError("warning: " + text) }
            return
        }
        lock.withLock {
            switch event {
            case .progress(let progress):
                guard Date().timeIntervalSince(lastDraw) >= 0.1 || progress.rows >= progress.total else { return }
                draw(Self.line(progress))
            case .waiting(let reason, let seconds) where seconds >= 1:
                draw("waiting \(Int(seconds.rounded(.up))) s \(reason)")
            case .scoped(_, let total, let resumed):
                draw(resumed > 0 ? "resuming at row \(resumed) of \(total)" : "\(total) rows in scope")
            case .warning(let text):
                clear()
                printError("warning: " + text)
            default: break
            }
        }
    }

    func close() {
        lock.withLock { clear() }
    }

    private func draw(_ text: String) {
        lastDraw = Date()
        drawn = true
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + text).utf8))
    }

    private func clear() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
        drawn = false
    }

    /// `[########------------] 40%  80000/200000 rows  12034 rows/s  ETA 0:10  bucket 47%  op 3.1/480 s`
    static func line(_ p: ExportProgress) -> String {
        let fraction = p.total > 0 ? min(1, Double(p.rows) / Double(p.total)) : 1
        let filled = Int((fraction * 20).rounded(.down))
        let bar = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 20 - filled) + "]"
        let eta = p.eta.map { " ETA \(Int($0) / 60):" + String(format: "%02d", Int($0) % 60) } ?? ""
        let phase = p.phase == "main" ? "" : " (\(p.phase))"
        return "\(bar) \(Int(fraction * 100))%\(phase) \(p.rows)/\(p.total) rows  \(Int(p.rowsPerSecond)) rows/s \(eta)  "
            + "bucket \(Int(p.bucketFill * 100))%  op " + String(format: "%.1f/%.0f s", p.operatingUsed, p.operatingBudget)
    }
}
