import B24Sandbox
import B24Wire
import Foundation
import Testing

@Suite("Batch")
struct BatchTests {
    @Test func linkedCommands() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let answer = try await call(sandbox.adminWebhookURL, "batch", ["halt": 0, "cmd": [
                "get_user": "user.current",
                "get_department": "department.get?ID=$result[get_user][UF_DEPARTMENT][0]",
            ]])
            #expect(answer.status == 200)
            let result = try #require(answer.json?["result"])
            #expect(result["result"]?["get_user"]?["ID"] == "1")
            #expect(result["result"]?["get_department"]?[0]?["ID"] == "1")
            #expect(result["result_error"] == [])
            #expect(result["result_total"] == ["get_department": 1])
            #expect(result["result_next"] == [])
            #expect(result["result_time"]?["get_user"]?["start"] != nil)
            #expect(sandbox.stats.calls("user.current") == 1)
            #expect(sandbox.stats.calls("department.get") == 1)
        }
    }

    @Test func listShapedMapsAndErrors() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let answer = try await call(sandbox.crmWebhookURL, "batch", ["cmd": ["user.current", "profile", "crm.lead.list?start=-1"]])
            let result = try #require(answer.json?["result"])
            // Keys 0..n-1 in order become a JSON list; the failing key 0 makes `result` a map.
            #expect(result["result_error"]?["0"]?["error"] == "insufficient_scope")
            #expect(result["result"]?.objectValue?.keys.sorted() == ["1", "2"])
            let halted = try #require(try await call(sandbox.crmWebhookURL, "batch",
                                                     ["halt": 1, "cmd": ["a": "user.current", "b": "profile"]]).json?["result"])
            #expect(halted["result"] == [])
            #expect(halted["result_error"]?.objectValue?.keys.sorted() == ["a"])
            let allOK = try #require(try await call(sandbox.adminWebhookURL, "batch", ["cmd": ["profile", "server.time"]]).json?["result"])
            #expect(allOK["result"]?.arrayValue?.count == 2)
            #expect(allOK["result_error"] == [])
            #expect(allOK["result_time"]?.arrayValue?.count == 2)
        }
    }

    @Test func limitsAndNesting() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            var many = JSONObject()
            for index in 0..<51 { many["c\(index)"] = "profile" }
            let tooMany = try await call(sandbox.adminWebhookURL, "batch", ["cmd": .object(many)])
            #expect(tooMany.status == 400)
            #expect(tooMany.json?["error"] == "ERROR_BATCH_LENGTH_EXCEEDED")
            let nested = try #require(try await call(sandbox.adminWebhookURL, "batch", ["cmd": ["x": "batch?cmd[0]=profile"]]).json)
            #expect(nested["result"]?["result_error"]?["x"]?["error"] == "ERROR_BATCH_METHOD_NOT_ALLOWED")
        }
    }

    @Test func fastTraversalChain() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            // b24pysdk/b24phpsdk style: start=-1 pages chained by the last ID of the previous page.
            var cmd = JSONObject()
            cmd["cmd_0"] = "crm.lead.list?order%5BID%5D=ASC&filter%5B%3EID%5D=0&start=-1&select%5B0%5D=ID"
            for index in 1..<4 {
                cmd["cmd_\(index)"] = .string("crm.lead.list?order[ID]=ASC&filter[>ID]=$result[cmd_\(index - 1)][49][ID]&start=-1&select[0]=ID")
            }
            let result = try #require(try await call(sandbox.adminWebhookURL, "batch", ["cmd": .object(cmd)]).json?["result"])
            #expect(result["result"]?["cmd_0"]?[0]?["ID"] == "1")
            #expect(result["result"]?["cmd_1"]?[0]?["ID"] == "51")
            #expect(result["result"]?["cmd_3"]?[49]?["ID"] == "200")
            #expect(result["result_total"]?["cmd_0"] == 0)
            // The same chain double-encoded in a form body (quote_plus style).
            let form = "cmd[a]=" + PHPForm.percentEncode("crm.lead.list?" + PHPForm.encode(["filter": [">ID": 10], "start": -1]))
                + "&cmd[b]=" + PHPForm.percentEncode("crm.lead.get?" + PHPForm.encode(["id": "$result[a][0][ID]"]))
            let formAnswer = try #require(try await send(URL(string: sandbox.adminWebhookURL.absoluteString + "batch")!, .form(form)).json)
            #expect(formAnswer["result"]?["result"]?["b"]?["ID"] == "11")
        }
    }
}
