import Foundation
import Testing
@testable import B24Wire

/// Checks against the documented Bitrix24 wire examples (`B24_PROTOCOL_EXAMPLES`), so that a bug shared by the
/// client and the sandbox cannot hide behind a round trip through itself.
@Suite("Documented wire examples", .enabled(if: ProtocolExamples.available, "B24_PROTOCOL_EXAMPLES is not set"))
struct ProtocolExamplesTests {
    static let writers: [JSONWriter] = [
        JSONWriter(), JSONWriter(pretty: true), JSONWriter(escapeSlashes: true, escapeUnicode: true),
        JSONWriter(pretty: true, escapeSlashes: true, escapeUnicode: true),
    ]

    @Test("every example parses, agrees with Foundation, keeps key order, and survives write + re-parse")
    func everyExample() throws {
        let files = try ProtocolExamples.jsonFiles()
        #expect(files.count > 50)
        for file in files {
            let name = file.lastPathComponent
            let bytes = Array(try Data(contentsOf: file))
            let value: JSONValue
            do {
                value = try JSONParser.parse(bytes)
            } catch {
                Issue.record("\(name): \(error)")
                continue
            }
            // An independent reader agrees on every value...
            let foreign = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            if let problem = matchesFoundation(value, foreign) { Issue.record("\(name): \(problem)") }
            // ...and an independent scan sees the same keys in the same order.
            #expect(keysInValueOrder(value) == (try keysInDocumentOrder(bytes)), "\(name)")

            for writer in Self.writers {
                let written = writer.bytes(value)
                let again = try JSONParser.parse(written)
                #expect(again == value, "\(name) with \(writer)")
                #expect(keysInValueOrder(again) == keysInValueOrder(value), "\(name) with \(writer)")
                #expect(writer.bytes(again) == written, "\(name) with \(writer)")
            }
        }
    }

    @Test("INDEX.json names only files that exist and parse")
    func index() throws {
        let index = try ProtocolExamples.load("INDEX.json")
        let entries = try #require(index.arrayValue)
        #expect(!entries.isEmpty)
        for entry in entries {
            let name = try #require(entry["file"]?.stringValue)
            let value = try ProtocolExamples.load(name)
            #expect(value["method"] == entry["method"], "\(name)")
        }
    }

    @Test("catalog.product.list: a numeric error code beyond 32 bits stays an exact integer")
    func numericErrorCode() throws {
        let example = try ProtocolExamples.load("catalog.product.list.error.json")
        let response = try #require(example["response"])
        #expect(response["error"] == .int(200_040_300_010))
        #expect(response["error"]?.stringValue == "200040300010")
        #expect(JSONWriter.compact(response).hasPrefix(#"{"error":200040300010,"#))
        #expect(example["http_status"] == 400)
    }

    @Test("tasks.task.get: a numeric-string error code stays a string, readable as a number")
    func numericStringErrorCode() throws {
        let response = try #require(try ProtocolExamples.load("tasks.task.get.error.json")["response"])
        #expect(response["error"] == .string("100"))
        #expect(response["error"]?.intValue == 100)
        #expect(JSONWriter.compact(response).hasPrefix(#"{"error":"100","#))
    }

    @Test("user.current: portal order, string IDs, boolean and Y/N flags, integer lists, double timestamps")
    func userCurrent() throws {
        let example = try ProtocolExamples.load("user.current.json")
        let result = try #require(example["response"]?["result"])
        let keys = Array(try #require(result.objectValue).keys)
        #expect(keys.prefix(4) == ["ID", "ACTIVE", "NAME", "LAST_NAME"])
        #expect(keys.last == "UF_DEPARTMENT")
        #expect(result["ID"] == .string("3"))
        #expect(result["ID"]?.intValue == 3)
        #expect(result["ACTIVE"] == .bool(true))
        #expect(result["IS_ONLINE"]?.boolValue == true)
        #expect(result["PERSONAL_GENDER"] == "")
        #expect(result["UF_DEPARTMENT"] == [1])
        let time = try #require(example["response"]?["time"])
        #expect(time["start"] == .double(1_721_722_262.960948))
        #expect(time["operating"] == .int(0))
        #expect(Array(try #require(time.objectValue).keys) ==
            ["start", "finish", "duration", "processing", "date_start", "date_finish", "operating"])
    }

    @Test("event.get: written PHP-style the handler URL carries \\/ and reads back with plain slashes")
    func escapedSlashes() throws {
        let response = try #require(try ProtocolExamples.load("event.get.json")["response"])
        let php = JSONWriter(escapeSlashes: true, escapeUnicode: true).string(response)
        #expect(php.contains(#""handler":"https:\/\/www.my-domain.com\/handler\/""#))
        let again = try JSONParser.parse(php)
        #expect(again == response)
        #expect(again["result"]?[0]?["handler"] == "https://www.my-domain.com/handler/")
        #expect(again["result"]?[1]?["auth_type"]?.intValue == 15)
        #expect(again["result"]?[0]?["offline"] == .int(0))
    }

    @Test("batch: PHP's [] stands for empty maps; result_error is keyed by command")
    func batchEmptyMaps() throws {
        let halted = try #require(try ProtocolExamples.load("batch.error.halt0.json")["response"]?["result"])
        #expect(halted["result"] == .array([]))
        #expect(halted["result"]?.objectValue == [:])
        #expect(halted["result_next"]?.objectValue?.isEmpty == true)
        let errors = try #require(halted["result_error"]?.objectValue)
        #expect(Array(errors.keys) == ["get_user", "get_department"])
        #expect(errors["get_user"]?["error"] == "insufficient_scope")

        let halt1 = try #require(try ProtocolExamples.load("batch.error.halt1.json")["response"]?["result"])
        #expect(Array(try #require(halt1["result_error"]?.objectValue).keys) == ["get_user"])

        let linked = try ProtocolExamples.load("batch.linked.json")
        let outcome = try #require(linked["response"]?["result"])
        #expect(outcome["result_error"]?.objectValue == [:])
        #expect(outcome["result_total"]?["get_department"] == 1)
        #expect(Array(try #require(outcome["result_time"]?.objectValue).keys) == ["get_user", "get_department"])
        #expect(outcome["result"]?["get_department"]?[0]?["ID"]?.intValue == 1)
        #expect(outcome["result"]?["get_user"]?["UF_DEPARTMENT"]?[0] == 1)

        // The linked command's query decodes to a literal $result reference, left for the batch to resolve.
        let command = try #require(linked["request"]?["body"]?["cmd"]?["get_department"]?.stringValue)
        let parts = command.split(separator: "?", maxSplits: 1).map(String.init)
        #expect(parts.first == "department.get")
        #expect(try PHPForm.decode(parts[1]) == ["ID": "$result[get_user][UF_DEPARTMENT][0]"])
        // Sent in a URL it is encoded twice; decoding twice gives it back.
        let reference: JSONValue = ["ID": "$result[get_user][UF_DEPARTMENT][0]"]
        let url = PHPForm.encode(["cmd": ["get_department": .string(parts[0] + "?" + PHPForm.encode(reference))]])
        #expect(url.contains("%2524result%255Bget_user%255D"))
        let inner = try #require(try PHPForm.decode(url)["cmd"]?["get_department"]?.stringValue)
        #expect(try PHPForm.decode(queryPart(inner)) == reference)
    }

    // MARK: data-encoding.md

    static func forms() throws -> JSONValue {
        try #require(try ProtocolExamples.load("encoding.forms.json")["request"])
    }

    @Test("the documented GET query and form body decode to exactly the documented JSON")
    func documentedForms() throws {
        let request = try Self.forms()
        let json = try #require(request["json"])
        let get = try #require(request["get"]?.stringValue)
        let form = try #require(request["x-www-form-urlencoded"]?.stringValue)
        #expect(queryPart(get) == form)
        #expect(try PHPForm.decode(queryPart(get)) == json)
        #expect(try PHPForm.decode(form) == json)
        // JSON key order equals form order, so == (order-sensitive) is the real check; make it explicit anyway.
        #expect(keysInValueOrder(try PHPForm.decode(form)) == ["fields", "TITLE", "PHONE", "VALUE", "VALUE_TYPE", "VALUE", "VALUE_TYPE"])
        #expect(try PHPForm.decode(form)["fields"]?["PHONE"] == .array([
            ["VALUE": "112233", "VALUE_TYPE": "WORK"], ["VALUE": "555888112", "VALUE_TYPE": "OTHER"],
        ]))
    }

    @Test("encoding the documented JSON gives the documented pairs, and decodes back to it")
    func encodeDocumentedJSON() throws {
        let request = try Self.forms()
        let json = try #require(request["json"])
        let form = try #require(request["x-www-form-urlencoded"]?.stringValue)
        let documentedPairs = try form.split(separator: "&").map { part -> String in
            let pieces = part.split(separator: "=", maxSplits: 1).map(String.init)
            return try PHPForm.percentDecode(pieces[0], plusIsSpace: true) + "=" + PHPForm.percentDecode(pieces[1], plusIsSpace: true)
        }
        #expect(PHPForm.pairs(json).map { "\($0.key)=\($0.value)" } == documentedPairs)
        let encoded = PHPForm.encode(json)
        #expect(try PHPForm.decode(encoded) == json)
        #expect(encoded.hasPrefix("fields%5BTITLE%5D=My%20company&"))
    }

    @Test("the ampersand bug: unescaped & cuts the title and adds a stray key; %26 keeps it")
    func ampersand() throws {
        let request = try Self.forms()
        let broken = try PHPForm.decode(queryPart(try #require(request["ampersand_bug"]?.stringValue)))
        #expect(broken == ["fields": ["TITLE": "John"], "Martin": ""])
        let fixed = try PHPForm.decode(queryPart(try #require(request["ampersand_fixed"]?.stringValue)))
        #expect(fixed == ["fields": ["TITLE": "John&Martin"]])
        #expect("?" + PHPForm.encode(fixed) == "?fields%5BTITLE%5D=John%26Martin")
    }

    @Test("batch in a URL: decode the form once, then the command's query once more")
    func batchDoubleEncoded() throws {
        let request = try Self.forms()
        let url = try #require(request["batch_double_encoded"]?.stringValue)
        let form = try PHPForm.decode(queryPart(url))
        let command = try #require(form["cmd"]?[0]?.stringValue)
        #expect(form["cmd"]?.arrayValue?.count == 1)
        #expect(command == "crm.lead.add?fields[TITLE]=John%26Martin")
        #expect(command.prefix(while: { $0 != "?" }) == "crm.lead.add")
        #expect(try PHPForm.decode(queryPart(command)) == ["fields": ["TITLE": "John&Martin"]])
    }

    @Test("positional parameters: 0=123&1[POST_MESSAGE]=test is a two-element list")
    func positional() throws {
        let request = try Self.forms()
        let value = try PHPForm.decode(queryPart(try #require(request["positional_params"]?.stringValue)))
        #expect(value == ["123", ["POST_MESSAGE": "test"]])
        #expect(value.objectValue.map { Array($0.keys) } == ["0", "1"])
        #expect(try PHPForm.decode(PHPForm.encode(value)) == value)
    }
}
