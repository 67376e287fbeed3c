import B24Catalog
import B24Wire
import Foundation

/// One piece of evidence a diagnosis found.
public struct DiagnosisFinding: Sendable, Equatable, Hashable {
    /// How a finding bears on the call.
    public enum Kind: Sendable, Equatable, Hashable {
        /// Checked and fine.
        case fine
        /// Explains the failure or the empty answer.
        case cause
        /// Worth knowing, not a cause.
        case note
    }

    /// What was checked ("method exists", "scope", "filter without UF_CRM_VIP").
    public var check: String
    public var kind: Kind
    /// What the portal said, in words.
    public var evidence: String
    /// For a variant of the call: the method and parameters it was sent with (to send it again, or to edit).
    public var params: JSONValue?
    public var method: String?

    public init(_ check: String, _ kind: Kind, _ evidence: String, params: JSONValue? = nil, method: String? = nil) {
        self.check = check
        self.kind = kind
        self.evidence = evidence
        self.params = params
        self.method = method
    }
}

/// The end of a diagnosis: the verdict line and everything found on the way.
public struct DiagnosisReport: Sendable, Equatable, Hashable {
    /// One line: the likeliest cause, or that none was found.
    public var verdict: String
    public var findings: [DiagnosisFinding]
    /// The read calls the diagnosis made (none of them a write).
    public var calls: [String]
}

/// What the diagnosis is about: the call and how it went.
public struct DiagnosisSubject: Sendable, Hashable {
    public var method: String
    public var params: JSONValue
    public var apiVersion: APIVersion
    /// The error code the call ended with (nil when it succeeded).
    public var errorCode: String?
    /// The portal's words for the error.
    public var errorMessage: String?
    /// Rows the answer held when it succeeded (an empty list is what gets diagnosed); nil when not a list.
    public var rows: Int?

    public init(method: String, params: JSONValue, apiVersion: APIVersion = .v2, errorCode: String? = nil,
                errorMessage: String? = nil, rows: Int? = nil)
    {
        self.method = method
        self.params = params
        self.apiVersion = apiVersion
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.rows = rows
    }

    /// From a finished trace.
    public init(trace: CallTrace) {
        self.init(method: trace.method, params: trace.request.params, apiVersion: trace.apiVersion, errorCode: trace.error?.code,
                  errorMessage: trace.error?.message, rows: trace.response.flatMap(Self.rows(in:)))
    }

    var request: CallRequest { CallRequest(method: method, params: params, apiVersion: apiVersion) }

    /// Rows an answer's page holds: the items of its result (a list, or `tasks` / `items` / `events` inside it),
    /// else its `total`. Items first: a `start=-1` page answers `total: 0` with up to 50 rows.
    public static func rows(in envelope: JSONValue) -> Int? {
        switch envelope["result"] {
        case .array(let items)?: return items.count
        case .object(let object)?:
            for key in ["tasks", "items", "products", "events"] { if let items = object[key]?.arrayValue { return items.count } }
            if let total = envelope["total"]?.intValue { return Int(total) }
            return object.isEmpty ? 0 : nil
        default:
            return envelope["total"]?.intValue.map { Int($0) }
        }
    }
}

extension B24Client {
    /// Read-only discovery methods that pass whatever packs a profile allows, for the console's facts and forms and
    /// for a diagnosis: the portal's facts and the metadata forms are built from (fields, status values, the REST
    /// 3.0 schema). They read no records.
    public static let discoveryMethods = [
        "user.current", "user.admin", "scope", "server.time", "methods", "method.get",
        "crm.lead.fields", "crm.deal.fields", "crm.contact.fields", "crm.company.fields", "crm.item.fields",
        "tasks.task.getFields", "crm.status.list", "crm.currency.list", "rest.documentation.openapi",
    ]

    /// Tests hypotheses about a failed or empty call against the portal, read-only: whether the method exists and
    /// this caller may use it (`method.get`), the scope it needs against the granted ones (`scope`), who the call
    /// runs as (`user.current`), webhook or application, the limiter and operating-time state; for a read list,
    /// variants of the call (no filter, one condition less, Y/N against 1/0, another letter case, a user field named
    /// by its title, `start` 0 against -1, `auth_connector` for the offline queue) and which one changes the count.
    /// A write is never sent again: its variants are not tried. Findings arrive through `onFinding` as they are made.
    public func diagnose(_ subject: DiagnosisSubject, onFinding: @escaping @Sendable (DiagnosisFinding) -> Void = { _ in }) async -> DiagnosisReport {
        var run = DiagnosisRun(client: self, subject: subject, onFinding: onFinding)
        await run.checkMethod()
        await run.checkCaller()
        await run.checkTarget()
        run.checkLimits()
        if risk(of: subject.method, params: subject.params) == .read {
            await run.tryVariants()
        } else {
            run.add("variants", .note, "\(subject.method) may change data: the diagnosis never sends it again")
        }
        return run.report()
    }
}

/// The state of one diagnosis: findings so far and the calls made.
struct DiagnosisRun {
    let client: B24Client
    let subject: DiagnosisSubject
    let onFinding: @Sendable (DiagnosisFinding) -> Void
    var findings: [DiagnosisFinding] = []
    var calls: [String] = []
    var verdict: String?

    var method: String { subject.method }

    var isWebhook: Bool {
        if case .webhook = client.profile.auth { return true }
        return false
    }

    /// Reads that take what they read away from other consumers: the diagnosis never sends them.
    static func consumes(_ method: String) -> Bool { method.lowercased() == "event.offline.get" }

    mutating func add(_ check: String, _ kind: DiagnosisFinding.Kind, _ evidence: String, params: JSONValue? = nil,
                      method: String? = nil) {
        let finding = DiagnosisFinding(check, kind, evidence, params: params, method: method)
        findings.append(finding)
        onFinding(finding)
    }

    /// Sets the verdict unless an earlier, stronger one is set.
    mutating func conclude(_ line: String) { if verdict == nil { verdict = line } }

    /// One read call for the diagnosis, not recorded in history (the report lists it).
    mutating func read(_ method: String, _ params: JSONValue = .emptyObject, version: APIVersion = .v2) async -> Result<JSONValue, B24Error> {
        var request = CallRequest(method: method, params: params, apiVersion: version)
        request.recording = .none
        request.discovery = true  // metadata reads pass whatever packs the profile allows
        calls.append(method + (params == .emptyObject ? "" : " " + JSONWriter.compact(params)))
        // Never a write, whatever a caller passes: the guardrails' own risk, and event.offline.get, which clears
        // (or reserves) what it reads, are refused here.
        guard client.risk(of: method, params: params) == .read, !Self.consumes(method) else {
            return .failure(.usage("the diagnosis does not send \(method): it may change data"))
        }
        return await client.call(request).result
    }

    mutating func checkMethod() async {
        // method.get takes the name in lower case (PROTOCOL.md).
        switch await read("method.get", ["name": .string(method.lowercased())]) {
        case .success(let envelope):
            let result = envelope["result"]
            let exists = result?["isExisting"]?.boolValue ?? false
            let available = result?["isAvailable"]?.boolValue ?? false
            if !exists {
                add("method exists", .cause, "method.get: the portal has no method \(method)")
                conclude("\(method) does not exist on this portal (check the spelling, the module, or REST 3.0)")
            } else if !available {
                add("method exists", .cause, "method.get: \(method) exists but this caller may not use it")
            } else {
                add("method exists", .fine, "method.get: \(method) exists and this caller may use it")
            }
        case .failure(let error):
            add("method exists", .note, "method.get could not be read: \(error.message)")
        }
        await checkScope()
    }

    mutating func checkScope() async {
        let needed = client.catalog.entry(for: method)?.method.scope
        guard case .success(let envelope) = await read("scope") else {
            add("scope", .note, "the granted scopes could not be read")
            return
        }
        let granted = (envelope["result"]?.arrayValue ?? []).compactMap(\.stringValue)
        guard let needed, needed != "basic" else {
            add("scope", .note, "granted: " + granted.joined(separator: ", "))
            return
        }
        if granted.contains(needed) {
            add("scope", .fine, "\(method) needs scope \(needed); it is granted")
        } else {
            add("scope", .cause, "\(method) needs scope \(needed); granted are only: \(granted.joined(separator: ", "))")
            conclude("\(method) exists, but this \(isWebhook ? "webhook" : "application") lacks scope `\(needed)`")
        }
    }

    mutating func checkCaller() async {
        if case .success(let envelope) = await read("user.current"), let user = envelope["result"] {
            let name = [user["NAME"]?.stringValue, user["LAST_NAME"]?.stringValue].compactMap { $0 }.joined(separator: " ")
            var evidence = "user.current: the call runs as \(name) (id \(user["ID"]?.stringValue ?? "?"))"
            if case .success(let admin) = await read("user.admin") {
                evidence += admin["result"]?.boolValue == true ? ", an administrator" : ", not an administrator"
            }
            add("who", .note, evidence)
        }
        let isWebhook = isWebhook
        if subject.errorCode == "WRONG_AUTH_TYPE" {
            add("auth kind", .cause, "the call went through a webhook; \(method) only runs in an application's context")
            conclude("\(method) needs an OAuth application; this profile is a webhook")
        } else {
            add("auth kind", .note, isWebhook ? "calls through a webhook" : "calls as an OAuth application")
        }
        if subject.errorCode == "ACCESS_DENIED" || subject.errorCode == "EMPTY_CODE" && (subject.errorMessage ?? "").lowercased().contains("access denied") {
            conclude("\(method): the user the call runs as lacks the rights (see who it runs as)")
        }
    }

    /// For a call on one object (get, update, delete by id): whether the list method finds it for this user.
    mutating func checkTarget() async {
        let lower = method.lowercased()
        let parts = lower.split(separator: ".")
        guard parts.count == 3, ["get", "update", "delete"].contains(parts[2]) else { return }
        let idKey = subject.params.objectValue?.keys.first { ["id", "taskid"].contains($0.lowercased()) }
        guard let idKey, let id = subject.params[idKey].flatMap({ $0.stringValue ?? $0.intValue.map(String.init) }) else { return }
        let list = "\(parts[0]).\(parts[1]).list"
        guard client.catalog.entry(for: list) != nil, client.risk(of: list, params: .emptyObject) == .read else { return }
        switch await read(list, ["filter": ["ID": .string(id)]]) {
        case .success(let envelope):
            let found = DiagnosisSubject.rows(in: envelope) ?? 0
            if found == 0 {
                add("object", .cause, "\(list) with ID=\(id) finds nothing: no such object, or this user cannot see it")
                conclude("\(method): no object \(id) that this user can see (\(list) finds none)")
            } else {
                add("object", .fine, "\(list) with ID=\(id) finds it: the object exists and this user sees it")
            }
        case .failure(let error):
            add("object", .note, "\(list) could not check the object: \(error.message)")
        }
    }

    mutating func checkLimits() {
        if let level = try? client.bucket.currentLevel() {
            add("rate limiter", .note, String(format: "%.1f of %.0f requests in the bucket, draining %g per second", level,
                                              client.bucket.usableBurst, client.bucket.settings.perSecond))
        }
        let wait = client.budget.requiredWait(method: method.lowercased())
        if let usage = client.budget.usage(method: method.lowercased()) {
            let kind: DiagnosisFinding.Kind = wait > 0 ? .cause : .note
            add("operating time", kind, String(format: "%@ used %.1f s of its operating-time budget; the window resets in %.0f s",
                                               method, usage.operating, max(0, usage.resetAt.timeIntervalSinceNow)))
            if wait > 0 { conclude("\(method) has spent its operating-time budget; it resets in \(Int(wait.rounded(.up))) s") }
        } else {
            add("operating time", .fine, "no operating time reported for \(method) in the current window")
        }
        if subject.errorCode == "QUERY_LIMIT_EXCEEDED" { conclude("the portal's request bucket was empty; b24 retries reads by itself") }
    }

    func report() -> DiagnosisReport {
        let fallback = subject.errorCode == nil
            ? "\(method): no variant tried changed the answer; the filter may be right and the data not there"
            : "no cause found by the read-only checks; the error's words are the best lead: \(subject.errorMessage ?? subject.errorCode ?? "")"
        return DiagnosisReport(verdict: verdict ?? fallback, findings: findings, calls: calls)
    }
}
