import Foundation
import Testing
@testable import B24Wire

@Suite("JSONWriter")
struct JSONWriterTests {
    /// A value with every kind of member, in a deliberately unsorted order.
    static let sample: JSONValue = [
        "zz": "last-looking key first",
        "ID": "42",
        "id": 42,
        "OPPORTUNITY": "15000.00",
        "ratio": 0.25,
        "big": .int(200_040_300_010),
        "neg": -7,
        "flag": true,
        "off": false,
        "nothing": nil,
        "empty_list": [],
        "empty_map": .emptyObject,
        "url": "https://portal.example.test/rest/1/abc/",
        "text": "Line1\nLine2\t\"quoted\" back\\slash \u{1}\u{1F}\u{7F}",
        "cyrillic": "Жёлтый",
        "emoji": "🙂 ok",
        "nested": ["a": [1, ["b": [nil, true]]], "0": "zero"],
    ]

    @Test("compact output keeps member order and uses no whitespace")
    func compact() {
        let value: JSONValue = ["b": 1, "a": [true, nil, "x"], "c": ["z": 1.5, "y": .emptyObject]]
        #expect(JSONWriter.compact(value) == #"{"b":1,"a":[true,null,"x"],"c":{"z":1.5,"y":{}}}"#)
        #expect(value.description == JSONWriter.compact(value))
    }

    @Test("pretty output indents by two spaces, one member per line")
    func pretty() {
        let value: JSONValue = ["b": 1, "a": [true, []], "c": .emptyObject]
        #expect(JSONWriter.pretty(value) == """
            {
              "b": 1,
              "a": [
                true,
                []
              ],
              "c": {}
            }
            """)
    }

    @Test("writing then reading gives back the same value, in every output style", arguments: [
        JSONWriter(), JSONWriter(pretty: true), JSONWriter(escapeSlashes: true), JSONWriter(escapeUnicode: true),
        JSONWriter(pretty: true, escapeSlashes: true, escapeUnicode: true),
    ])
    func roundTrip(writer: JSONWriter) throws {
        let text = writer.string(Self.sample)
        #expect(try JSONParser.parse(text) == Self.sample)
        #expect(try JSONParser.parse(writer.bytes(Self.sample)) == Self.sample)
        #expect(writer.bytes(Self.sample) == Array(text.utf8))
        // Foundation reads the same text too, so the output is JSON and not just something our parser accepts.
        let foreign = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [])
        #expect(matchesFoundation(Self.sample, foreign) == nil)
    }

    @Test("PHP-style escaping: \\/ and lowercase \\uXXXX with surrogate pairs")
    func phpEscaping() {
        let value: JSONValue = ["handler": "https://a.test/h/", "name": "Жук 😀 é"]
        let php = JSONWriter(escapeSlashes: true, escapeUnicode: true)
        #expect(php.string(value) == #"{"handler":"https:\/\/a.test\/h\/","name":"\u0416\u0443\u043a \ud83d\ude00 \u00e9"}"#)
        #expect(JSONWriter.compact(value) == #"{"handler":"https://a.test/h/","name":"Жук 😀 é"}"#)
        #expect(php.string(value).utf8.allSatisfy { $0 < 0x80 })
    }

    @Test("control characters are escaped, other ASCII is written as is")
    func controlCharacters() {
        #expect(JSONWriter.compact("a\u{0}b\u{8}c\u{C}d\u{1F}e\u{7F}") == #""a\u0000b\u0008c\u000cd\u001fe\#u{7F}""#)
        #expect(JSONWriter.compact("\"\\\n\r\t") == #""\"\\\n\r\t""#)
        #expect(JSONWriter.compact("<b>&'") == #""<b>&'""#)
    }

    @Test("numbers: integers exact, doubles shortest-exact, integral doubles keep a fraction so they stay doubles")
    func numbers() throws {
        #expect(JSONWriter.compact(.int(.max)) == "9223372036854775807")
        #expect(JSONWriter.compact(.int(.min)) == "-9223372036854775808")
        #expect(JSONWriter.compact(.double(15000)) == "15000.0")
        #expect(JSONWriter.compact(.double(0.1)) == "0.1")
        #expect(JSONWriter.compact(.double(0)) == "0.0")
        #expect(JSONWriter.compact(.double(-0.0)) == "-0.0")
        #expect(JSONWriter.compact(.double(-3)) == "-3.0")
        #expect(JSONWriter.compact(.double(1_724_916_638.077564)) == "1724916638.077564")
        for number in [1e15, 1e300, -2.5e-7, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1 + 0.2, 123_456_789.123_456_78] {
            let again = try JSONParser.parse(JSONWriter.compact(.double(number)))
            #expect(again == .double(number), "\(number) -> \(JSONWriter.compact(.double(number)))")
        }
    }

    @Test("JSON has no NaN or infinity: they are written as null")
    func nonFinite() throws {
        let value: JSONValue = [.double(.nan), .double(.infinity), .double(-.infinity)]
        #expect(JSONWriter.compact(value) == "[null,null,null]")
        #expect(try JSONParser.parse(JSONWriter.compact(value)) == [nil, nil, nil])
    }
}
