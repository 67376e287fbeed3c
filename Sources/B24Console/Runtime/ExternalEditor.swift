import Foundation

/// Runs the user's editor on a temporary file: `$EDITOR`, then `$VISUAL`, then `vi`. The command goes through
/// `/bin/sh` so `EDITOR="code --wait"` works; the file name is passed as an argument, never spliced into the
/// command. The file is removed afterwards, whatever happened.
struct ExternalEditor {
    var environment: [String: String]

    /// The editor command that will run.
    var command: String {
        for name in ["EDITOR", "VISUAL"] {
            if let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty { return value }
        }
        return "vi"
    }

    /// The editor's program name for messages (`vim`, not `/usr/local/bin/vim -p`).
    var programName: String {
        let program = command.split(separator: " ").first.map(String.init) ?? command
        return URL(fileURLWithPath: program).lastPathComponent
    }

    /// Edits `text`; `suspend` gives the terminal away first and `restore` takes it back after.
    func edit(_ text: String, name: String, suspend: () -> Void, restore: () -> Void) -> Answer {
        let safeName = name.map { $0.isLetter || $0.isNumber || $0 == "." ? $0 : "-" }
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("b24-\(String(safeName))-\(UUID().uuidString.prefix(8)).json")
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            try Data(text.utf8).write(to: file, options: .atomic)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        } catch {
            return .ended("could not write the file for the editor: \(error.localizedDescription)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(command) \"$1\"", "b24-editor", file.path]
        process.environment = environment
        suspend()
        defer { restore() }
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            return .ended("could not start the editor (\(programName)): \(error.localizedDescription)")
        }
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let how = process.terminationReason == .exit ? "exited with status \(process.terminationStatus)" : "was killed"
            return .ended("the editor (\(programName)) \(how)")
        }
        guard let data = try? Data(contentsOf: file), let edited = String(data: data, encoding: .utf8) else {
            return .ended("the editor left no readable UTF-8 file")
        }
        return .edited(edited)
    }
}
