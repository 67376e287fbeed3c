import B24Wire
import Foundation

extension ExportEngine {
    /// The portal ignores select fields it does not know (the column would come out empty) and some filters on
    /// them, so the names are checked against the method's `fields` first, where it has one (`crm.*`).
    func checkFieldNames() async throws {
        guard !request.select.isEmpty || !request.filter.isEmpty, let fieldsMethod = fieldsMethod() else { return }
        var call = CallRequest(method: fieldsMethod, params: .object(request.params))
        call.recording = client.options.audit ? .audit : .none
        let outcome = await client.call(call)
        let result: JSONValue
        switch outcome.result {
        case .failure(let error): throw ExportError.client(error)
        case .success(let envelope): result = envelope["result"] ?? .null
        }
        guard let fields = (result["fields"]?.objectValue ?? result.objectValue), !fields.isEmpty else { return }
        let known = Set(fields.keys.map { $0.uppercased() })
        func isKnown(_ name: String) -> Bool {
            let upper = name.uppercased()
            return upper == "*" || upper.hasSuffix("*") || known.contains(upper)
        }
        let badSelect = request.select.filter { !isKnown($0) }
        if !badSelect.isEmpty {
            throw ExportError.usage("\(request.method) has no field \(badSelect.joined(separator: ", ")) (see \(fieldsMethod)); --select takes its field names")
        }
        let operators = CharacterSet(charactersIn: "!<>=%@")
        let badFilter = request.filter.keys.filter { key in
            let name = String(key.unicodeScalars.drop { operators.contains($0) })
            return !name.isEmpty && !isKnown(name)
        }
        if !badFilter.isEmpty {
            throw ExportError.usage("--filter names fields \(request.method) does not have: \(badFilter.joined(separator: ", ")) (see \(fieldsMethod))")
        }
    }

    /// `crm.lead.list` → `crm.lead.fields`, `crm.item.list` → `crm.item.fields`; nil for other methods.
    private func fieldsMethod() -> String? {
        let parts = request.method.lowercased().split(separator: ".")
        guard parts.count == 3, parts[0] == "crm", parts[2] == "list" else { return nil }
        return "crm.\(parts[1]).fields"
    }
}
