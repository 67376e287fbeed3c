import Foundation
import Testing
@testable import B24Wire

@Suite("JSONParser")
struct JSONParserTests {
    // MARK: Structure and order

    @Test("object keys keep the order of the text, not a sorted or hashed order")
    func keyOrder() throws {
        let value = try JSONParser.parse(#"{"zeta":1,"ALPHA":2,"mid":{"9":true,"10":false,"1":null},"a":[]}"#)
        let object = try #require(value.objectValue)
        #expect(Array(object.keys) == ["zeta", "ALPHA", "mid", "a"])
        #expect(Array(try #require(value["mid"]?.objectValue).keys) == ["9", "10", "1"])
        // Equality of objects is order-sensitive, so a reordered document is a different value.
        #expect(value != (try JSONParser.parse(#"{"ALPHA":2,"zeta":1,"mid":{"9":true,"10":false,"1":null},"a":[]}"#)))
    }

    @Test("a repeated key keeps its first position and its last value, as PHP json_decode does")
    func duplicateKeys() throws {
        let value = try JSONParser.parse(#"{"k":1,"other":2,"k":3}"#)
        #expect(value == ["k": 3, "other": 2])
        #expect(Array(try #require(value.objectValue).keys) == ["k", "other"])
    }

    @Test("whitespace around and inside the value is allowed")
    func whitespace() throws {
        let value = try JSONParser.parse(" \t\r\n{ \"a\" : [ 1 , 2 ] }\n\n")
        #expect(value == ["a": [1, 2]])
        #expect(try JSONParser.parse("  null ") == .null)
        #expect(try JSONParser.parse("true") == true)
        #expect(try JSONParser.parse("\"x\"") == "x")
    }

    @Test("parses from any collection of bytes, Data included")
    func fromData() throws {
        let data = Data(#"{"ok":true}"#.utf8)
        #expect(try JSONParser.parse(data) == ["ok": true])
        #expect(try JSONParser.parse(Array(data)[...]) == ["ok": true])
    }

    // MARK: Numbers

    @Test("integers stay integers and are exact up to the Int64 limits")
    func bigIntegers() throws {
        #expect(try JSONParser.parse("200040300010") == .int(200_040_300_010))
        #expect(try JSONParser.parse("9223372036854775807") == .int(.max))
        #expect(try JSONParser.parse("-9223372036854775808") == .int(.min))
        #expect(try JSONParser.parse("9007199254740993") == .int(9_007_199_254_740_993))  // 2^53 + 1: not a Double
        let error = try JSONParser.parse(#"{"error":200040300010,"error_description":"Access denied"}"#)
        #expect(error["error"] == .int(200_040_300_010))
        #expect(JSONWriter.compact(error) == #"{"error":200040300010,"error_description":"Access denied"}"#)
    }

    @Test("an integer beyond Int64 becomes the nearest double rather than failing")
    func integerOverflow() throws {
        #expect(try JSONParser.parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try JSONParser.parse("-18446744073709551616") == .double(-18_446_744_073_709_551_616))
    }

    @Test("fractions and exponents are doubles; integers and doubles stay apart",
          arguments: [
              ("1e5", 100_000.0), ("1E5", 100_000.0), ("1e+5", 100_000.0), ("1.5E-3", 0.0015), ("1.5e-3", 0.0015),
              ("-2.25", -2.25), ("0.1", 0.1), ("0e0", 0), ("-0.0", -0.0), ("1724916638.077564", 1_724_916_638.077564),
              ("6.5088272094726e-05", 6.5088272094726e-05), ("1e-400", 0), ("10.0", 10),
          ])
    func doubles(text: String, expected: Double) throws {
        let value = try JSONParser.parse(text)
        guard case .double(let number) = value else {
            Issue.record("\(text) read as \(value)")
            return
        }
        #expect(number == expected)
        #expect(number.sign == expected.sign)
    }

    @Test("decimals read to the correctly rounded double (bit patterns from an independent reader)", arguments: [
        ("0.39041590690612793", 4_600_704_727_649_353_728 as UInt64), ("0.00533103942871094", 4_572_796_292_152_950_787),
        ("0.024296045303344727", 4_582_660_079_685_206_016), ("1724916638.077564", 4_745_021_632_748_517_071),
    ])
    func exactDoubles(text: String, bits: UInt64) throws {
        let value = try JSONParser.parse(text)
        #expect(value.doubleValue?.bitPattern == bits)
        #expect(JSONWriter.compact(value) == text)
    }

    @Test("-0 is the integer zero (as in PHP json_decode); -0.0 keeps its sign")
    func negativeZero() throws {
        #expect(try JSONParser.parse("-0") == .int(0))
        #expect(try JSONParser.parse("[-0,0]") == [0, 0])
        let value = try JSONParser.parse("-0.0")
        #expect(JSONWriter.compact(value) == "-0.0")
        #expect(try JSONParser.parse(JSONWriter.compact(value)).doubleValue?.sign == .minus)
    }

    @Test("numbers outside the JSON grammar are rejected",
          arguments: ["01", "-01", "00", "007", "01.5", "1.", "-", "-a", ".5", "+1", "1e", "1e+", "1.e5", "0x10", "1.5.2",
                      "1e5.5", "Infinity", "-Infinity", "NaN", "1e400", "-1e400", "[01]", #"{"a":01}"#, "--1", "1-2"])
    func badNumbers(text: String) {
        #expect(parseFailure(text) != nil)
    }

    @Test("a leading zero error points at the offending digit")
    func leadingZeroOffset() throws {
        let error = try #require(parseFailure("[1,01]"))
        #expect(error.offset == 4)
        #expect(error.reason.contains("leading zero"))
    }

    // MARK: Strings

    @Test("escaped slashes (PHP json_encode default) read as plain slashes")
    func escapedSlashes() throws {
        let value = try JSONParser.parse(#"{"handler":"https:\/\/hooks.example.test\/b24\/in\/","plain":"a/b"}"#)
        #expect(value["handler"] == "https://hooks.example.test/b24/in/")
        #expect(value["plain"] == "a/b")
    }

    @Test("\\u escapes: BMP letters, surrogate pairs, control characters")
    func unicodeEscapes() throws {
        #expect(try JSONParser.parse(#""\u0416\u0436""#) == "Жж")
        #expect(try JSONParser.parse(#""\u041f\u0440\u0438\u0432\u0435\u0442""#) == "Привет")
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == "😀")
        #expect(try JSONParser.parse(#""\uD83D\uDE00""#) == "😀")
        #expect(try JSONParser.parse(#""a\u0000b""#) == .string("a\u{0}b"))
        #expect(try JSONParser.parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        // Raw UTF-8 needs no escaping at all.
        #expect(try JSONParser.parse("\"Ж😀\"") == "Ж😀")
    }

    @Test("lone or reversed surrogates are errors",
          arguments: [#""\ud83d""#, #""\ud83dx""#, #""\ud83d\u0041""#, #""\ude00""#, #""\ude00\ud83d""#, #""\ud83d\n""#])
    func badSurrogates(text: String) throws {
        let error = try #require(parseFailure(text))
        #expect(error.reason.contains("surrogate"))
    }

    @Test("bad escapes and raw control characters are errors",
          arguments: [#""\x41""#, #""\u12""#, #""\u12G4""#, #""\'""#, "\"a\tb\"", "\"a\nb\"", "\"\u{1}\""])
    func badEscapes(text: String) {
        #expect(parseFailure(text) != nil)
    }

    @Test("invalid UTF-8 inside a string is an error at the offending byte",
          arguments: [
              ([0x22, 0x61, 0xFF, 0x22], 2),                    // "a\xFF"
              ([0x22, 0xC3, 0x22], 1),                          // truncated 2-byte sequence
              ([0x22, 0xC0, 0xAF, 0x22], 1),                    // overlong '/'
              ([0x22, 0xED, 0xA0, 0x80, 0x22], 1),              // UTF-8-encoded surrogate
              ([0x22, 0x5C, 0x6E, 0x61, 0x80, 0x22], 4),        // after an escape: "\na\x80"
              ([0x7B, 0x22, 0x6B, 0x22, 0x3A, 0x22, 0xD0, 0x96, 0xD0, 0x22, 0x7D], 8),  // {"k":"Ж\xD0"}
              ([0x7B, 0x22, 0xF5, 0x80, 0x80, 0x80, 0x22, 0x3A, 0x31, 0x7D], 2),        // in a key, above U+10FFFF
          ] as [([UInt8], Int)])
    func invalidUTF8(bytes: [UInt8], offset: Int) throws {
        let error = try #require(parseFailure(bytes))
        #expect(error.reason.contains("UTF-8"))
        #expect(error.offset == offset)
        #expect(error.description.contains("at byte \(offset)"))
    }

    // MARK: Errors a user meets

    @Test("truncated JSON says so", arguments: [
        #"{"result":{"ID":"1""#, #"{"result":"#, #"{"result""#, #"{"#, "[1,2", "[1,", #""abc"#, #""abc\"#,
        #""\u04"#, "tru", "nul", "-", "1.", "1e", #"{"a":[{"b":"#,
    ])
    func truncated(text: String) throws {
        let error = try #require(parseFailure(text))
        #expect(error.reason.contains("truncated"), "\(error)")
    }

    @Test("an empty body is reported as empty")
    func empty() throws {
        for text in ["", "   \n"] {
            let error = try #require(parseFailure(text))
            #expect(error.reason.contains("empty"), "\(error)")
        }
    }

    @Test("an HTML page (proxy error, login page) says it is HTML, not JSON")
    func html() throws {
        for text in ["<html><head><title>502 Bad Gateway</title></head></html>",
                     "<!DOCTYPE html>\n<html lang=\"en\">",
                     "\n  <HTML>", "<?xml version=\"1.0\"?><response/>"] {
            let error = try #require(parseFailure(text))
            #expect(error.reason.contains("HTML"), "\(error)")
        }
    }

    @Test("text after the value is rejected with its offset", arguments: [
        (#"{"a":1}x"#, 7), (#"{"a":1} {"b":2}"#, 8), ("[1]]", 3), ("1 2", 2), ("true false", 5), (#""a""b""#, 3),
        ("null,", 4), ("{}\u{0}", 2),
    ])
    func trailingGarbage(text: String, offset: Int) throws {
        let error = try #require(parseFailure(text))
        #expect(error.offset == offset)
        #expect(error.reason.contains("after the JSON value"))
    }

    @Test("malformed structure is rejected", arguments: [
        "{,}", "[,]", "[1,]", #"{"a":1,}"#, #"{"a" 1}"#, "{a:1}", "{'a':1}", #"{"a":1"b":2}"#, "[1 2]", "]", "}",
        "True", "nulL", "undefined", #"{"a":}"#, "[1:2]", #"{1:2}"#,
    ])
    func malformed(text: String) {
        #expect(parseFailure(text) != nil)
    }

    // MARK: Depth

    @Test("nesting up to the limit parses; one level deeper is refused")
    func depthLimit() throws {
        let limit = JSONParser.maximumDepth
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        var value = try JSONParser.parse(deepest)
        var depth = 0
        while case .array(let items) = value, let first = items.first { value = first; depth += 1 }
        #expect(depth == limit - 1)

        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        let error = try #require(parseFailure(tooDeep))
        #expect(error.reason.contains("deep"))
        #expect(error.offset == limit)

        let objects = String(repeating: #"{"a":"#, count: limit + 1) + "1" + String(repeating: "}", count: limit + 1)
        #expect(parseFailure(objects)?.reason.contains("deep") == true)
    }

    @Test("hostile nesting far beyond the limit fails fast instead of exhausting the stack")
    func hostileDepth() throws {
        let error = try #require(parseFailure(String(repeating: "[", count: 1_000_000)))
        #expect(error.reason.contains("deep"))
    }

    @Test("the deepest accepted document parses, writes, compares and is freed on a 512 KiB thread stack")
    func depthOnSmallStack() async throws {
        let limit = JSONParser.maximumDepth
        // limit - 1 containers around a scalar: the scalar sits at the deepest accepted level.
        let pairs = (limit - 2) / 2
        let text = String(repeating: #"{"k":["#, count: pairs) + #"{"k":1}"# + String(repeating: "]}", count: pairs)
        #expect(2 * pairs + 1 == limit - 1)
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            let thread = Thread {
                var result = "ok"
                do {
                    let value = try JSONParser.parse(text)
                    let again = try JSONParser.parse(JSONWriter.pretty(value))
                    if again != value || JSONWriter.compact(again) != text { result = "round trip differs" }
                    if again.hashValue != value.hashValue { result = "hash differs" }
                    // Both values are released here too, on the small stack.
                } catch {
                    result = "\(error)"
                }
                continuation.resume(returning: result)
            }
            thread.stackSize = 512 * 1024
            thread.start()
        }
        #expect(outcome == "ok")
    }
}

/// Rows of a list share their key storage (and repeated long values): each row must still be a value of its own.
@Suite("Rows that share a shape")
struct SharedShapeTests {
    @Test func rowsWithTheSameKeysStayIndependentValues() throws {
        let text = #"{"result":[{"ID":"1","COMMENTS":"Перезвонить после обеда","TITLE":"a"},"#
            + #"{"ID":"2","COMMENTS":"Перезвонить после обеда","TITLE":"b"},{"TITLE":"c","ID":"3"}]}"#
        let parsed = try JSONParser.parse(text)
        var rows = try #require(parsed["result"]?.arrayValue)
        #expect(rows.map { $0.objectValue?.keys.map { $0 } ?? [] } == [["ID", "COMMENTS", "TITLE"], ["ID", "COMMENTS", "TITLE"], ["TITLE", "ID"]])
        #expect(rows[1]["TITLE"] == "b" && rows[1]["COMMENTS"] == "Перезвонить после обеда")
        // Changing one row (a key added, a value changed) leaves the row it shares storage with as it was.
        guard case .object(var second) = rows[1] else { Issue.record("row 2 is not an object"); return }
        second["TITLE"] = "changed"
        second["NEW"] = true
        rows[1] = .object(second)
        #expect(rows[0] == ["ID": "1", "COMMENTS": "Перезвонить после обеда", "TITLE": "a"])
        #expect(rows[1]["TITLE"] == "changed" && rows[1]["NEW"] == true)
        #expect(try JSONParser.parse(text) == parsed)  // the same text reads the same, shared or not
        #expect(JSONWriter.compact(parsed) == text)
    }
}
