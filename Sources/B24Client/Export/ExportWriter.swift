import B24Wire
import CSV
import Foundation

/// Turns rows into the bytes of one page of the output file. A page is written whole, then checkpointed, so a
/// file always ends on a row boundary the checkpoint knows.
public protocol ExportRowFormatter: Sendable {
    /// The bytes that start a new file (the CSV header), given the first page's rows.
    mutating func prologue(firstRows: [JSONValue]) throws -> [UInt8]
    /// The bytes of these rows, each ending with its line break.
    func encode(_ rows: [JSONValue]) throws -> [UInt8]
    /// Columns decided for the file (CSV), kept in the checkpoint so a resumed file keeps the same header.
    var columns: [String] { get }
    /// Values that had no column (CSV rows with keys outside the header); 0 for JSONL.
    var droppedValues: Int { get }
}

/// JSON Lines: each row as compact JSON, one per line (line breaks inside values are escaped by JSON).
public struct JSONLRowFormatter: ExportRowFormatter {
    public init() {}
    public mutating func prologue(firstRows: [JSONValue]) throws -> [UInt8] { [] }
    public func encode(_ rows: [JSONValue]) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(rows.count * 512)
        for row in rows {
            bytes += JSONWriter.compact(row).utf8
            bytes.append(0x0A)
        }
        return bytes
    }
    public var columns: [String] { [] }
    public var droppedValues: Int { 0 }
}

/// CSV (RFC 4180: CRLF line ends, fields with `"`, `,`, CR or LF quoted, quotes doubled; UTF-8, no BOM), quoted
/// by the CSV.swift package.
///
/// Columns: the selected fields in the order given (the cursor field first when it was added), or, for `*` and
/// `UF_*` selects, the keys of the first row. Values are flattened so each cell is one line of text:
/// - strings as they are, numbers as JSON writes them, `true`/`false`, null or a missing key as an empty cell;
/// - multifields (lists of objects with `VALUE`, such as PHONE and EMAIL) as `VALUE (VALUE_TYPE)` joined by `"; "`;
/// - other lists of scalars joined by `"; "`;
/// - anything else (objects, nested lists) as compact JSON.
public final class CSVRowFormatter: ExportRowFormatter, @unchecked Sendable {
    public private(set) var columns: [String]
    private var explicit: Bool
    public private(set) var droppedValues = 0

    /// `select` as requested (with the cursor field already added); `columns` restores a resumed file's header.
    public init(select: [String], columns: [String]? = nil) {
        let wildcard = select.isEmpty || select.contains { $0.contains("*") }
        explicit = !wildcard
        self.columns = columns ?? (wildcard ? [] : select)
    }

    public func prologue(firstRows: [JSONValue]) throws -> [UInt8] {
        if !explicit, columns.isEmpty {
            var seen = Set<String>()
            for row in firstRows.prefix(1) {
                for key in row.objectValue?.keys ?? [] where seen.insert(key).inserted { columns.append(key) }
            }
            explicit = true
        }
        return try lines([columns])
    }

    public func encode(_ rows: [JSONValue]) throws -> [UInt8] {
        let known = Set(columns)
        var cells: [[String]] = []
        cells.reserveCapacity(rows.count)
        for row in rows {
            let object = row.objectValue ?? [:]
            droppedValues += object.keys.filter { !known.contains($0) && object[$0] != .null }.count
            cells.append(columns.map { column in Self.flatten(object[column] ?? lookup(object, column)) })
        }
        return try lines(cells)
    }

    /// A selected name the portal spelled in another case (`id` for `ID`).
    private func lookup(_ object: JSONObject, _ column: String) -> JSONValue? {
        object.first { $0.key.caseInsensitiveCompare(column) == .orderedSame }?.value
    }

    /// The rows as CSV lines, each ending with CRLF.
    private func lines(_ rows: [[String]]) throws -> [UInt8] {
        guard !rows.isEmpty else { return [] }
        let stream = OutputStream.toMemory()
        stream.open()
        defer { stream.close() }
        let writer = try CSVWriter(stream: stream, newline: .crlf)
        for row in rows { try writer.write(row: row) }
        guard let data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data else {
            throw ExportError.output("the CSV writer produced no data")
        }
        // The writer separates rows; the file gets a line end after every row, the last one too.
        return [UInt8](data) + [0x0D, 0x0A]
    }

    /// One cell's text (see the type's documentation).
    public static func flatten(_ value: JSONValue?) -> String {
        guard let value else { return "" }
        switch value {
        case .null: return ""
        case .string(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .array(let items):
            if items.allSatisfy({ $0.objectValue?["VALUE"] != nil }) {
                return items.map { item -> String in
                    let text = flatten(item["VALUE"])
                    guard let type = item["VALUE_TYPE"]?.stringValue, !type.isEmpty else { return text }
                    return "\(text) (\(type))"
                }.joined(separator: "; ")
            }
            if items.allSatisfy({ $0.objectValue == nil && $0.arrayValue == nil }) {
                return items.map { flatten($0) }.joined(separator: "; ")
            }
            return JSONWriter.compact(value)
        case .object: return JSONWriter.compact(value)
        default: return value.stringValue ?? JSONWriter.compact(value)
        }
    }
}

/// The output file: pages are appended and flushed to disk before their checkpoint is committed; a resumed
/// export cuts the file back to the checkpoint's length first (a page written after the last commit goes).
final class ExportFile {
    let url: URL
    private let handle: FileHandle
    private(set) var length: UInt64

    /// Opens for a fresh export (creating or emptying the file) or for resuming at `length` bytes.
    init(url: URL, resumeAt length: UInt64?) throws {
        self.url = url
        let manager = FileManager.default
        if length == nil || !manager.fileExists(atPath: url.path) {
            guard manager.createFile(atPath: url.path, contents: nil) else {
                throw ExportError.output("cannot create \(url.path): \(String(cString: strerror(errno)))")
            }
        }
        do {
            handle = try FileHandle(forUpdating: url)
            let size = try handle.seekToEnd()
            if let length {
                guard size >= length else {
                    throw ExportError.output("\(url.path) is shorter (\(size) bytes) than its checkpoint says (\(length)); it was changed since — start over with --force")
                }
                try handle.truncate(atOffset: length)
                try handle.seek(toOffset: length)
                self.length = length
            } else {
                self.length = 0
            }
        } catch let error as ExportError {
            throw error
        } catch {
            throw ExportError.output("cannot open \(url.path): \(error.localizedDescription)")
        }
    }

    /// Appends bytes and forces them to disk. On failure (a full disk) the partial write is cut off again, so the
    /// file still ends at the last page the checkpoint knows.
    func append(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        do {
            try handle.write(contentsOf: Data(bytes))
            try handle.synchronize()
            length += UInt64(bytes.count)
        } catch {
            let reason = (error as NSError).userInfo[NSUnderlyingErrorKey].map { "\($0)" } ?? error.localizedDescription
            try? handle.truncate(atOffset: length)
            try? handle.seek(toOffset: length)
            throw ExportError.output("cannot write \(url.path) (\(reason)); the file keeps every row up to the checkpoint")
        }
    }

    func close() { try? handle.close() }
}
