import Testing
@testable import B24Wire

@Suite("PHPForm")
struct PHPFormTests {
    // MARK: Decoding

    @Test("nested brackets decode into ordered objects and lists")
    func nested() throws {
        let text = "fields[NAME]=Anna%20Lee&fields[EMAIL][0][VALUE]=a%40mail.test&fields[EMAIL][0][VALUE_TYPE]=HOME"
            + "&fields[EMAIL][1][VALUE]=b%40mail.test&fields[EMAIL][1][VALUE_TYPE]=WORK&params[REGISTER_SONET_EVENT]=Y"
        let expected: JSONValue = [
            "fields": [
                "NAME": "Anna Lee",
                "EMAIL": [["VALUE": "a@mail.test", "VALUE_TYPE": "HOME"], ["VALUE": "b@mail.test", "VALUE_TYPE": "WORK"]],
            ],
            "params": ["REGISTER_SONET_EVENT": "Y"],
        ]
        #expect(try PHPForm.decode(text) == expected)
    }

    @Test("key order follows first appearance, however the keys look")
    func order() throws {
        let value = try PHPForm.decode("z=1&a=2&m[y]=3&m[b]=4&m[10]=5&m[2]=6")
        #expect(value == ["z": "1", "a": "2", "m": ["y": "3", "b": "4", "10": "5", "2": "6"]])
        #expect(Array(try #require(value["m"]?.objectValue).keys) == ["y", "b", "10", "2"])
    }

    @Test("select[]=ID&select[]=NAME is a list")
    func appendList() throws {
        #expect(try PHPForm.decode("select[]=ID&select[]=NAME") == ["select": ["ID", "NAME"]])
        #expect(try PHPForm.decode("select%5B%5D=ID&select%5B%5D=NAME") == ["select": ["ID", "NAME"]])
        #expect(try PHPForm.decode("select[0]=ID&select[1]=NAME") == ["select": ["ID", "NAME"]])
        // PHP's "[ ]" (one blank) also appends.
        #expect(try PHPForm.decode("select[ ]=ID&select[]=NAME") == ["select": ["ID", "NAME"]])
    }

    @Test("appending continues after the highest integer key, as PHP's next free index does")
    func nextIndex() throws {
        #expect(try PHPForm.decode("a[5]=x&a[]=y") == ["a": ["5": "x", "6": "y"]])
        #expect(try PHPForm.decode("a[k]=x&a[]=y") == ["a": ["k": "x", "0": "y"]])
        #expect(try PHPForm.decode("a[]=x&a[k]=y&a[]=z") == ["a": ["0": "x", "k": "y", "1": "z"]])
        // "05" and "+5" are string keys in PHP, so they do not move the next index.
        #expect(try PHPForm.decode("a[05]=x&a[]=y") == ["a": ["05": "x", "0": "y"]])
        #expect(try PHPForm.decode("a[%2B5]=x&a[]=y") == ["a": ["+5": "x", "0": "y"]])
        #expect(try PHPForm.decode("a[-0]=x&a[]=y") == ["a": ["-0": "x", "0": "y"]])
        #expect(try PHPForm.decode("a[1]=x&a[0]=y") == ["a": ["1": "x", "0": "y"]])
        // The largest integer key leaves no next index: PHP refuses the append; it must not crash.
        #expect(try PHPForm.decode("a[9223372036854775807]=x&a[]=y") == ["a": ["9223372036854775807": "x"]])
    }

    @Test("filter operators: raw or percent-encoded, they end up in the key", arguments: [
        "filter[>ID]=5", "filter[%3EID]=5", "filter%5B%3EID%5D=5", "filter%5B>ID%5D=5",
    ])
    func filterOperator(text: String) throws {
        let value = try PHPForm.decode(text)
        #expect(value == ["filter": [">ID": "5"]])
    }

    @Test("more operators survive", arguments: [
        (">=DATE", "%3E%3DDATE"), ("!STATUS_ID", "%21STATUS_ID"), ("%TITLE", "%25TITLE"), ("<=ID", "%3C%3DID"),
        ("=ID", "%3DID"), ("@ID", "%40ID"),
    ])
    func operators(key: String, encoded: String) throws {
        #expect(try PHPForm.decode("filter[\(encoded)]=1") == ["filter": [key: "1"]])
        #expect(PHPForm.encode(["filter": [key: "1"]]) == "filter%5B\(encoded)%5D=1")
    }

    @Test("+ is a space in forms; %2B is a plus")
    func plus() throws {
        #expect(try PHPForm.decode("fields[TITLE]=Big+deal%2B1&a+b=c") == ["fields": ["TITLE": "Big deal+1"], "a_b": "c"])
        #expect(try PHPForm.percentDecode("a+b", plusIsSpace: false) == "a+b")
        #expect(try PHPForm.percentDecode("a+b", plusIsSpace: true) == "a b")
    }

    @Test("positional parameters decode into a list")
    func positional() throws {
        let value = try PHPForm.decode("0=77&1[POST_MESSAGE]=hello&1[AUTHOR_ID]=3")
        #expect(value == ["77", ["POST_MESSAGE": "hello", "AUTHOR_ID": "3"]])
        #expect(value[0] == "77")
        #expect(PHPForm.encode(value) == "0=77&1%5BPOST_MESSAGE%5D=hello&1%5BAUTHOR_ID%5D=3")
    }

    @Test("an unescaped & splits the value: the title is cut and a stray key appears")
    func ampersand() throws {
        #expect(try PHPForm.decode("fields[TITLE]=Smith&Sons") == ["fields": ["TITLE": "Smith"], "Sons": ""])
        #expect(try PHPForm.decode("fields[TITLE]=Smith%26Sons") == ["fields": ["TITLE": "Smith&Sons"]])
        #expect(PHPForm.encode(["fields": ["TITLE": "Smith&Sons"]]) == "fields%5BTITLE%5D=Smith%26Sons")
    }

    @Test("a batch command in a URL is encoded twice and decoded twice")
    func batchDoubleEncoding() throws {
        let form = try PHPForm.decode("cmd[one]=crm.contact.add%3Ffields%5BNAME%5D%3DTom%2526Jerry%26fields%5BX%5D%3D1&halt=0")
        let command = try #require(form["cmd"]?["one"]?.stringValue)
        #expect(command == "crm.contact.add?fields[NAME]=Tom%26Jerry&fields[X]=1")
        let mark = try #require(command.firstIndex(of: "?"))
        #expect(command[..<mark] == "crm.contact.add")
        let params = try PHPForm.decode(String(command[command.index(after: mark)...]))
        #expect(params == ["fields": ["NAME": "Tom&Jerry", "X": "1"]])

        // The client side: encode the command's own query, then the batch form around it.
        let inner = "crm.contact.add?" + PHPForm.encode(["fields": ["NAME": "Tom&Jerry", "X": 1]])
        let outer = PHPForm.encode(["cmd": ["one": .string(inner)], "halt": false])
        let back = try PHPForm.decode(outer)
        #expect(back["halt"] == "0")
        let again = try #require(back["cmd"]?["one"]?.stringValue)
        #expect(again == inner)
        #expect(try PHPForm.decode(String(again.split(separator: "?", maxSplits: 1)[1])) == params)
        #expect(outer.contains("%2526"))
    }

    @Test("$result references in a batch command decode to the literal text")
    func resultReference() throws {
        let value = try PHPForm.decode("ID=%24result%5Bme%5D%5BUF_DEPARTMENT%5D%5B0%5D&filter[>ID]=$result[list][49][ID]")
        #expect(value == ["ID": "$result[me][UF_DEPARTMENT][0]", "filter": [">ID": "$result[list][49][ID]"]])
    }

    @Test("UTF-8 in values, raw or percent-encoded")
    func unicode() throws {
        #expect(try PHPForm.decode("t=%D0%96%D1%83%D0%BA&u=Жук") == ["t": "Жук", "u": "Жук"])
        #expect(PHPForm.encode(["t": "Жук 😀"]) == "t=%D0%96%D1%83%D0%BA%20%F0%9F%98%80")
    }

    @Test("splitting happens on bytes, so a combining mark after & or = cannot glue pairs together")
    func combiningMarks() throws {
        #expect(try PHPForm.decode("a=1&\u{301}b=2") == ["a": "1", "\u{301}b": "2"])
        #expect(try PHPForm.decode("a=\u{301}x&c[\u{301}]=y") == ["a": "\u{301}x", "c": ["\u{301}": "y"]])
    }

    @Test("PHP's key rules: empty names dropped, later values win, odd brackets", arguments: [
        ("", [:]), ("&&", [:]), ("=x", [:]), ("[a]=x", [:]), ("a", ["a": ""]), ("a=", ["a": ""]), ("a==b", ["a": "=b"]),
        ("a=1&a=2", ["a": "2"]), ("a=1&a[b]=2", ["a": ["b": "2"]]), ("a[b]=1&a=2", ["a": "2"]),
        ("a[b]=1&a[b][c]=2", ["a": ["b": ["c": "2"]]]),
        ("a[b=1", ["a_b": "1"]), ("a[b][c=1", ["a": ["b": "1"]]), ("a[b]x=1", ["a": ["b": "1"]]), ("a[b]x[c]=1", ["a": ["b": "1"]]),
        ("  lead=1", ["lead": "1"]), ("x.y=1", ["x_y": "1"]), ("x y[a.b]=1", ["x_y": ["a.b": "1"]]),
        ("a[]=", ["a": [""]]), ("a[x]=1&a[y]", ["a": ["x": "1", "y": ""]]),
    ] as [(String, JSONValue)])
    func keyRules(text: String, expected: JSONValue) throws {
        #expect(try PHPForm.decode(text) == expected)
    }

    @Test("nesting beyond PHP's max_input_nesting_level (64) drops the variable instead of recursing")
    func nestingLimit() throws {
        let ok = "a" + String(repeating: "[x]", count: 64) + "=1"
        var value = try PHPForm.decode(ok)
        var depth = 0
        while let next = value["a"] ?? value["x"] { value = next; depth += 1 }
        #expect(depth == 65)
        #expect(value == "1")
        let deep = "keep=1&a=0&a" + String(repeating: "[x]", count: 65) + "=1"
        #expect(try PHPForm.decode(deep) == ["keep": "1"])
        let hostile = "a" + String(repeating: "[]", count: 200_000) + "=1&b=2"
        #expect(try PHPForm.decode(hostile) == ["b": "2"])
    }

    @Test("invalid percent-escapes are errors", arguments: ["a=%", "a=%2", "a=%zz", "a=%G0", "a%=1", "a=1%", "%%=1"])
    func badEscapes(text: String) throws {
        let error = try #require(formFailure(text))
        #expect(error.reason.contains("percent"))
    }

    @Test("invalid UTF-8 after decoding is an error", arguments: ["a=%FF", "a=%C3", "a=%C3%28", "%ED%A0%80=1", "a=%C0%AF"])
    func badUTF8(text: String) throws {
        let error = try #require(formFailure(text))
        #expect(error.reason.contains("UTF-8"))
    }

    // MARK: Encoding

    @Test("booleans are 1/0, null and empty containers are left out, numbers keep their spelling")
    func scalars() throws {
        let params: JSONValue = [
            "on": true, "off": false, "none": nil, "empty": [], "emptyMap": .emptyObject, "n": 42, "big": .int(200_040_300_010),
            "neg": -1, "d": 2.5, "whole": 15000.0, "s": "", "list": [nil, "a", [], true],
        ]
        #expect(PHPForm.pairs(params).map { "\($0.key)=\($0.value)" } == [
            "on=1", "off=0", "n=42", "big=200040300010", "neg=-1", "d=2.5", "whole=15000", "s=", "list[1]=a", "list[3]=1",
        ])
        #expect(PHPForm.encode(params) == "on=1&off=0&n=42&big=200040300010&neg=-1&d=2.5&whole=15000&s=&list%5B1%5D=a&list%5B3%5D=1")
    }

    @Test("a top-level scalar has no name, so it encodes to nothing")
    func topLevelScalar() {
        #expect(PHPForm.pairs("x").isEmpty)
        #expect(PHPForm.encode(7) == "")
        #expect(PHPForm.encode([:]) == "")
    }

    @Test("percent-encoding keeps only RFC 3986 unreserved characters")
    func percentEncoding() throws {
        #expect(PHPForm.percentEncode("AZaz09-._~") == "AZaz09-._~")
        #expect(PHPForm.percentEncode(" !\"#$%&'()*+,/:;=?@[\\]^`{|}") ==
            "%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3D%3F%40%5B%5C%5D%5E%60%7B%7C%7D")
        #expect(try PHPForm.percentDecode("%2a%2A", plusIsSpace: true) == "**")
    }

    @Test("encode then decode gives back the same structure (values as text)")
    func roundTrip() throws {
        let params: JSONValue = [
            "id": "15",
            "fields": [
                "TITLE": "R&D: 50% off + more / \"quotes\" = [brackets]",
                "PHONE": [["VALUE": "+49 30 1234", "VALUE_TYPE": "WORK"]],
                "UF_CRM_LIST": ["1", "2", "3"],
                "ЁЖ": "юникод 😀",
            ],
            "filter": [">=DATE_CREATE": "2024-01-01T00:00:00+03:00", "!=STATUS_ID": "JUNK", "%TITLE": "a b"],
            "order": ["ID": "ASC"],
            "select": ["ID", "TITLE", "UF_*"],
            "start": "-1",
        ]
        let text = PHPForm.encode(params)
        #expect(!text.contains(" ") && !text.contains("+") && text.utf8.allSatisfy { $0 < 0x80 })
        #expect(try PHPForm.decode(text) == params)
        #expect(try PHPForm.decode(pairs: PHPForm.pairs(params)) == params)
    }
}
