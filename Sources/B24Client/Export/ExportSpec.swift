import B24Wire
import Foundation
import OrderedCollections

/// The file format of an export.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// One JSON object per line, exactly as the portal sent the row.
    case jsonl
    /// RFC 4180 CSV in UTF-8 with a header line (see ``CSVRowFormatter`` for how values are flattened).
    case csv
}

/// What happens to an output file that already exists.
public enum ExportOutputMode: Sendable, Equatable {
    /// Refuse to touch an existing file.
    case create
    /// Start over, replacing the file and forgetting its checkpoint.
    case force
    /// Continue from the checkpoint, appending to the file.
    case resume
}

/// What to export and where: the list method, its query and the output file.
public struct ExportRequest: Sendable {
    public var method: String
    /// Extra parameters of the method (`entityTypeId` for `crm.item.list`); `filter`, `select`, `order` and
    /// `start` are the engine's.
    public var params: JSONObject
    /// Fields to fetch; empty means the method's default set.
    public var select: [String]
    public var filter: JSONObject
    public var format: ExportFormat
    public var output: URL
    public var mode: ExportOutputMode
    /// After the pass, fetch again the rows modified since it began and append them (later lines win).
    public var catchUp: Bool
    /// Operating seconds per method and window that the export may use; nil takes the client's limiter setting.
    public var operatingBudget: TimeInterval?

    public init(method: String, params: JSONObject = JSONObject(), select: [String] = [], filter: JSONObject = JSONObject(),
                format: ExportFormat = .jsonl, output: URL, mode: ExportOutputMode = .create, catchUp: Bool = false,
                operatingBudget: TimeInterval? = nil)
    {
        self.method = method
        self.params = params
        self.select = select
        self.filter = filter
        self.format = format
        self.output = output
        self.mode = mode
        self.catchUp = catchUp
        self.operatingBudget = operatingBudget
    }

    /// The checkpoint key's query part: a digest of everything that decides which rows and columns are written.
    public var queryHash: String {
        let canonical: JSONValue = [
            "params": .object(Self.sorted(params)), "filter": .object(Self.sorted(filter)),
            "select": .array(select.map { .string($0) }), "format": .string(format.rawValue),
        ]
        return SHA256Hasher.hexDigest(JSONWriter.compact(canonical))
    }

    private static func sorted(_ object: JSONObject) -> JSONObject {
        var result = JSONObject()
        for key in object.keys.sorted() { result[key] = object[key] }
        return result
    }
}

/// How a list is walked: the `>ID` cursor with `start=-1` where the method has one, else `start` offsets.
public enum ExportWalk: Sendable, Equatable {
    /// `order[FIELD]=ASC`, `filter[>FIELD]=last`, `start=-1`; `wrapper` is where items sit in `result`.
    case cursor(field: String, wrapper: String?)
    /// `start=0,50,…` pages counted by the portal.
    case offset(wrapper: String?)

    /// The walk for a method: the cursor for the lists documented to take `>ID` with `order[ID]` (PROTOCOL §2.4),
    /// else offsets (`user.get` among them: it sorts with `sort`/`order` strings, not an `order` map).
    public static func forMethod(_ method: String) -> ExportWalk {
        let name = method.lowercased()
        switch name {
        case "crm.item.list": return .cursor(field: "id", wrapper: "items")
        case "tasks.task.list": return .cursor(field: "ID", wrapper: "tasks")
        default:
            if name.hasPrefix("crm."), name.hasSuffix(".list"), name.split(separator: ".").count == 3 {
                return .cursor(field: "ID", wrapper: nil)
            }
            return .offset(wrapper: nil)
        }
    }

    var wrapper: String? {
        switch self {
        case .cursor(_, let wrapper), .offset(let wrapper): return wrapper
        }
    }

    /// The key a row's ID is read from (`ID` or `id`; tasks answer `id` to a filter on `ID`).
    func rowID(_ row: JSONValue) -> Int64? {
        let value = row["ID"] ?? row["id"]
        return value?.intValue ?? value?.stringValue.flatMap { Int64($0) }
    }
}

/// Builds the commands of one export batch.
struct ExportCommands {
    let request: ExportRequest
    let walk: ExportWalk
    /// The select sent: the requested fields with the cursor field added (a reference needs it in every row).
    let select: [String]

    init(request: ExportRequest, walk: ExportWalk) {
        self.request = request
        self.walk = walk
        var select = request.select
        if case .cursor(let field, _) = walk, !select.isEmpty,
           !select.contains(where: { $0 == "*" || $0.caseInsensitiveCompare(field) == .orderedSame }) {
            select.insert(field, at: 0)
        }
        self.select = select
    }

    private func params(filter: JSONObject, order: JSONObject?, start: Int, select: [String]? = nil) -> JSONValue {
        var params = request.params
        params["filter"] = .object(filter)
        if let order { params["order"] = .object(order) }
        let fields = select ?? self.select
        if !fields.isEmpty { params["select"] = .array(fields.map { .string($0) }) }
        params["start"] = .int(Int64(start))
        return .object(params)
    }

    /// The scope query: the highest matching ID now (`start=-1`, one field), and the count below it.
    func scope(maxKey: String, countKey: String) -> [BatchCommand] {
        guard case .cursor(let field, let wrapper) = walk else {
            return [BatchCommand(key: countKey, method: request.method,
                                 params: params(filter: request.filter, order: nil, start: 0))]
        }
        let top = BatchCommand(key: maxKey, method: request.method,
                               params: params(filter: request.filter, order: [field: "DESC"], start: -1, select: [field]))
        var bounded = request.filter
        bounded["<=" + field] = .string(reference(to: maxKey, index: 0, wrapper: wrapper, field: field))
        let count = BatchCommand(key: countKey, method: request.method,
                                 params: params(filter: bounded, order: [field: "ASC"], start: 0, select: [field]))
        return [top, count]
    }

    /// `count` cursor pages after `lastID` up to `maxID`, each reading the previous page's last ID from the
    /// batch (`$result[p0][49][ID]`), so one batch walks 50 pages with no round trip between them.
    func cursorPages(after lastID: Int64?, maxID: Int64, count: Int, extraFilter: JSONObject = [:]) -> [BatchCommand] {
        guard case .cursor(let field, let wrapper) = walk else { return [] }
        var base = request.filter
        for (key, value) in extraFilter { base[key] = value }
        base["<=" + field] = .int(maxID)
        return (0..<count).map { index in
            var filter = base
            if index == 0 {
                if let lastID { filter[">" + field] = .int(lastID) }
            } else {
                filter[">" + field] = .string(reference(to: Self.key(index - 1), index: 49, wrapper: wrapper, field: field))
            }
            return BatchCommand(key: Self.key(index), method: request.method,
                                params: params(filter: filter, order: [field: "ASC"], start: -1))
        }
    }

    /// `count` offset pages from `offset`.
    func offsetPages(from offset: Int, count: Int) -> [BatchCommand] {
        (0..<count).map { index in
            BatchCommand(key: Self.key(index), method: request.method,
                         params: params(filter: request.filter, order: nil, start: offset + index * 50))
        }
    }

    static func key(_ index: Int) -> String { "p\(index)" }

    /// `$result[key][wrapper][index][id]`: wrapped lists (tasks, crm.item) answer with camelCase `id`.
    private func reference(to key: String, index: Int, wrapper: String?, field: String) -> String {
        "$result[\(key)]" + (wrapper.map { "[\($0)]" } ?? "") + "[\(index)][\(wrapper == nil ? field : "id")]"
    }

    /// The rows of a command's result (the list itself, or the wrapper's list).
    func rows(of result: JSONValue?) -> [JSONValue]? {
        guard let result else { return nil }
        if let wrapper = walk.wrapper { return result[wrapper]?.arrayValue ?? result.arrayValue }
        return result.arrayValue ?? B24Client.listItems(of: result)?.items
    }
}
