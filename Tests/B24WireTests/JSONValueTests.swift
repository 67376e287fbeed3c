import Testing
@testable import B24Wire

@Suite("JSONValue tolerant accessors")
struct JSONValueTests {
    @Test("PHP's [] for an empty map reads as an empty object")
    func emptyArrayAsObject() throws {
        let value = try JSONParser.parse(#"{"result":[],"result_error":[]}"#)
        #expect(value["result"]?.objectValue == [:])
        #expect(value["result_error"]?.objectValue?.isEmpty == true)
        #expect(value["result"]?.arrayValue == [])
    }

    @Test("a list reads as a map keyed \"0\"...\"n-1\" (PHP serialized a 0-based map as a list)")
    func listAsMap() throws {
        let value = try JSONParser.parse(#"[{"start":1.5},{"start":2.5}]"#)
        let map = try #require(value.objectValue)
        #expect(Array(map.keys) == ["0", "1"])
        #expect(map["1"]?["start"] == 2.5)
        #expect(value["0"]?["start"]?.doubleValue == 1.5)
        #expect(value["2"] == nil)
        #expect(value["-1"] == nil)
        #expect(value["x"] == nil)
    }

    @Test("an object keyed exactly \"0\"...\"n-1\" in order reads as a list; any other keys do not")
    func objectAsList() throws {
        let keyed = try JSONParser.parse(#"{"0":"a","1":"b","2":"c"}"#)
        #expect(keyed.arrayValue == ["a", "b", "c"])
        #expect(keyed[1] == "b")
        #expect(keyed[3] == nil)
        #expect(try JSONParser.parse(#"{"1":"a","0":"b"}"#).arrayValue == nil)
        #expect(try JSONParser.parse(#"{"0":"a","2":"b"}"#).arrayValue == nil)
        #expect(try JSONParser.parse(#"{"1":"a","2":"b"}"#).arrayValue == nil)
        #expect(try JSONParser.parse(#"{"0":"a","01":"b"}"#).arrayValue == nil)
        #expect(try JSONParser.parse(#"{"cmd_0":"a"}"#).arrayValue == nil)
        #expect(JSONValue.emptyObject.arrayValue == [])
        let list: JSONValue = ["x", "y"]
        #expect(list[0] == "x")
        #expect(list[2] == nil)
        #expect(list[-1] == nil)
    }

    @Test("numbers sent as strings read as numbers", arguments: [
        (JSONValue.string("123"), Int64?.some(123)), (" 42 ", 42), ("-5", -5), ("0", 0), ("9223372036854775807", .max),
        ("", nil), ("abc", nil), ("12abc", nil), ("9223372036854775808", nil), ("1.5", nil),
        (.int(7), 7), (.double(7.0), 7), (.double(7.5), nil), (.double(1e19), nil), (.bool(true), nil), (.null, nil),
        (["1"], nil),
    ] as [(JSONValue, Int64?)])
    func intValue(value: JSONValue, expected: Int64?) {
        #expect(value.intValue == expected)
    }

    @Test("decimal strings read as doubles")
    func doubleValue() {
        #expect(JSONValue.string("15000.00").doubleValue == 15000)
        #expect(JSONValue.string("1e3").doubleValue == 1000)
        #expect(JSONValue.int(3).doubleValue == 3)
        #expect(JSONValue.double(0.5).doubleValue == 0.5)
        #expect(JSONValue.string("n/a").doubleValue == nil)
        #expect(JSONValue.null.doubleValue == nil)
    }

    @Test("flags: Y/N, 1/0, true/false in any spelling Bitrix24 uses", arguments: [
        (JSONValue.string("Y"), Bool?.some(true)), ("N", false), ("y", true), ("n", false), ("1", true), ("0", false),
        ("true", true), ("false", false), ("", false), ("maybe", nil),
        (.bool(true), true), (.bool(false), false), (.int(1), true), (.int(0), false), (.null, nil), ([], nil),
    ] as [(JSONValue, Bool?)])
    func boolValue(value: JSONValue, expected: Bool?) {
        #expect(value.boolValue == expected)
    }

    @Test("text of scalars")
    func stringValue() {
        #expect(JSONValue.string("x").stringValue == "x")
        #expect(JSONValue.int(200_040_300_010).stringValue == "200040300010")
        #expect(JSONValue.double(0.5).stringValue == "0.5")
        #expect(JSONValue.bool(false).stringValue == "false")
        #expect(JSONValue.null.stringValue == nil)
        #expect(JSONValue.emptyObject.stringValue == nil)
    }

    @Test("an error code may be a string, a numeric string or a number; each keeps its kind")
    func errorCodes() throws {
        let numeric = try JSONParser.parse(#"{"error":200040300010,"error_description":"Access denied"}"#)
        #expect(numeric["error"] == .int(200_040_300_010))
        #expect(numeric["error"]?.stringValue == "200040300010")
        let quoted = try JSONParser.parse(#"{"error":"100","error_description":"bad select"}"#)
        #expect(quoted["error"] == .string("100"))
        #expect(quoted["error"]?.intValue == 100)
        let empty = try JSONParser.parse(#"{"error":"","error_description":"Not found"}"#)
        #expect(empty["error"]?.stringValue == "")
    }

    @Test("case-insensitive member lookup prefers the exact spelling")
    func caseInsensitive() throws {
        let value = try JSONParser.parse(#"{"Fields":{"a":1},"fields":{"b":2},"ID":7}"#)
        #expect(value.member(caseInsensitive: "fields") == ["b": 2])
        #expect(value.member(caseInsensitive: "FIELDS") == ["a": 1])
        #expect(value.member(caseInsensitive: "id") == 7)
        #expect(value.member(caseInsensitive: "select") == nil)
        #expect(JSONValue.string("x").member(caseInsensitive: "x") == nil)
    }

    @Test("kinds and literals")
    func kinds() {
        #expect(JSONValue.null.isNull)
        #expect(!JSONValue.int(0).isNull)
        let values: [JSONValue] = [nil, true, 1, 1.5, "s", [], [:]]
        #expect(values.map(\.kindName) == ["null", "boolean", "number", "number", "string", "array", "object"])
        #expect(JSONValue.int(1) != JSONValue.double(1))
    }
}
