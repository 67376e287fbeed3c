import B24Catalog
import B24Client
import B24Wire
import Foundation
import TerminalKit

/// The inspector's other copies of a call: as a `b24 call` command line (secrets masked), and as a cURL command
/// with the real secret, after a y/N question. The real secret is put in by the runtime from the connection's
/// client (``Effect/copyWithSecret(_:_:)``): it never enters this state, the screen or history.
extension InspectorScreen {
    /// The name of the secret copy's effect.
    static let secretCopyName = "copy-with-secret"

    /// B (copy the `b24 call` line) and R (ask, then copy the cURL command with the real secret).
    mutating func copyCall(_ action: KeyAction, _ app: ConsoleState) -> KeyResult {
        guard let request = outcome?.request, !request.url.isEmpty else {
            return .handled([.status(StatusMessage("nothing to copy yet: the call has not been sent", kind: .warning))])
        }
        let profile = recordedProfile ?? app.connection?.profile
        if action == .copyCommand {
            let (arguments, note) = Self.profileArguments(profile, request: request, app)
            // The line runs as the console ran it: a write the console confirmed carries its confirmation flag.
            let risk = Guardrails.risk(of: method, params: request.params, catalog: app.catalog)
            let confirm = risk == .destructive ? ["--confirm-destructive"] : risk.mayChangeData ? ["--confirm-write"] : []
            let line = Self.commandLine(method: method, params: request.params, apiVersion: apiVersion, profileArguments: arguments + confirm)
            let copied = copy(line, what: "the call as a b24 call command line")
            // The note goes after what was copied: "copied … (212 characters); put the webhook code …".
            guard let note, case .handled(var effects) = copied, case .status(let said?)? = effects.last, effects.count == 2 else {
                return copied
            }
            effects[1] = .status(StatusMessage(said.text + "; " + note, kind: .warning))
            return .handled(effects)
        }
        // A secret leaves only for a call of the connected profile, and only when the person says yes.
        guard let profile, profile == app.connection?.profile else {
            return .handled([.status(StatusMessage(
                "this call was made on profile \(profile ?? "?"); switch to it (:profile \(profile ?? "?")) to copy it with its secret",
                kind: .warning))])
        }
        asksSecretCopy = true
        return .handled([.status(StatusMessage("copy the cURL command with the real \(Self.secretName(request))? y/N", kind: .warning))])
    }

    /// The key after the question: y copies, anything else (Esc, n, Enter) copies nothing.
    mutating func answerSecretCopy(_ key: KeyEvent, _ app: ConsoleState) -> KeyResult {
        asksSecretCopy = false
        guard key == .char("y") || key == .char("Y"), let request = outcome?.request,
              let profile = recordedProfile ?? app.connection?.profile
        else {
            return .handled([.status(StatusMessage("nothing copied"))])
        }
        let copy = SecretCopy(profile: profile, method: method, apiVersion: apiVersion, request: request)
        return .handled([.copyWithSecret(.mine(Self.secretCopyName), copy),
                         .status(StatusMessage("copying the cURL command with the real \(Self.secretName(request))…", kind: .warning))])
    }

    /// The runtime's answer to the secret copy: copied, or why not.
    func secretCopied(_ answer: Answer) -> [Effect] {
        switch answer {
        case .ended(nil):
            return [.status(StatusMessage("copied the cURL command with the real secret: it is on your clipboard only, paste it with care",
                                          kind: .warning))]
        case .ended(let failure?):
            return [.status(StatusMessage("nothing copied: \(failure)", kind: .error))]
        default:
            return []
        }
    }

    var secretCopyHints: [KeyHint] { [KeyHint("y", "copy with the real secret"), KeyHint("any other key", "cancel")] }

    /// What the real secret of a request is, in words.
    static func secretName(_ request: CallTrace.RequestRecord) -> String {
        request.maskedWebhookURL != nil ? "webhook secret" : "access token"
    }

    /// How a `b24 call` reaches the call's profile: nothing for the default profile (and for the environment's,
    /// which b24 picks by itself), `--profile NAME` for another saved one; the console's embedded sandbox is no
    /// saved profile, so its webhook goes in `--webhook`, code masked (the note says so).
    static func profileArguments(_ profile: String?, request: CallTrace.RequestRecord, _ app: ConsoleState) -> ([String], String?) {
        guard let profile, profile != "env", app.profiles.first(where: \.isDefault)?.name != profile else { return ([], nil) }
        if profile == ProfileEntry.sandboxName {
            guard let webhook = request.maskedWebhookURL else { return ([], nil) }
            return (["--webhook", webhook], "replace **** with the webhook code")
        }
        return (["--profile", profile], nil)
    }

    /// `b24 call METHOD [--v3] [--profile NAME] [--params '{…}']`, each argument quoted for a POSIX shell.
    static func commandLine(method: String, params: JSONValue, apiVersion: APIVersion, profileArguments: [String]) -> String {
        var arguments = ["b24", "call", method]
        if apiVersion == .v3 { arguments.append("--v3") }
        arguments += profileArguments
        if params != .emptyObject { arguments += ["--params", JSONWriter.compact(params)] }
        return arguments.map(shellQuoted).joined(separator: " ")
    }

    /// The argument as a POSIX shell reads it back: bare when it holds only safe characters, else in single
    /// quotes (a quote inside becomes `'\''`).
    static func shellQuoted(_ argument: String) -> String {
        let safe = !argument.isEmpty && argument.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._/:=@%+-,".unicodeScalars.contains($0))
        }
        return safe ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
