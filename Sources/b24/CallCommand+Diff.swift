import B24Catalog
import B24Client
import B24Wire
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `b24 call METHOD --params … --diff`: read the target, print the diff, ask (or take --yes), check the record
/// has not moved, write, verify.
extension CallCommand {
    func runReviewed(_ request: CallRequest, client: B24Client) async {
        let redactor = client.redactor
        let reviewed: ReviewedWrite
        switch await client.review(request) {
        case .success(let value): reviewed = value
        case .failure(let error): fail(error, redactor: redactor)
        }
        for line in DiffText.lines(reviewed.diff) { print(line) }
        // The diff comes before what stderr says about it, also when stdout is a pipe.
        fflush(stdout)
        if reviewed.diff.changesNothing {
            printInfo("nothing to send: every value written is already on the portal")
            return
        }
        if planOnly {
            do {
                let plan = try client.plan(reviewed)
                print("plan \(plan.id): \(plan.method) (\(plan.risk)) for profile \(plan.profile), diff \(reviewed.diff.shortHash), old values kept")
                let flag = plan.risk == "destructive" ? " --confirm-destructive" : " --confirm-write"
                printInfo("run it once with: b24 call --execute-plan \(plan.id)\(flag) (refused if the fields moved meanwhile)")
            } catch { fail(error, redactor: redactor) }
            return
        }
        var confirmWrite = self.confirmWrite
        var confirmDestructive = self.confirmDestructive
        if !yes {
            guard isatty(STDIN_FILENO) == 1 else {
                printInfo("not applied: this was a preview; add --yes with \(reviewed.diff.risk == .destructive ? "--confirm-destructive" : "--confirm-write") to apply it")
                return
            }
            guard askToApply(reviewed, client: client) else {
                printInfo("cancelled: nothing was written")
                return
            }
            // The answer at the terminal is the confirmation.
            confirmWrite = true
            confirmDestructive = reviewed.diff.risk == .destructive || confirmDestructive
        }
        let applied = await client.apply(reviewed, confirmWrite: confirmWrite, confirmDestructive: confirmDestructive,
                                         idempotencyKey: idempotencyKey)
        switch applied.status {
        case .nothingToSend:
            printInfo("nothing to send: every value written is already on the portal")
        case .stale:
            for line in DiffText.moved(applied.moved) { printInfo(line) }
            printError("the record moved since the review; review the call again")
            Foundation.exit(B24ExitCode.policy)
        case .sent:
            guard let outcome = applied.outcome else { return }
            if applied.succeeded { for line in DiffText.verification(applied) { printInfo(line) } }
            report(outcome, client: client)
        }
    }

    /// Asks at the terminal. Cancel is the default (Enter); a destructive call needs the record's id or the
    /// method name typed; a production profile needs the method name typed for every write.
    private func askToApply(_ reviewed: ReviewedWrite, client: B24Client) -> Bool {
        let ids = reviewed.diff.commands.compactMap(\.recordID)
        let method = reviewed.diff.method
        if reviewed.diff.risk == .destructive || client.profile.production {
            var prompt = client.profile.production ? "PRODUCTION portal \(client.profile.portal). " : ""
            prompt += reviewed.diff.risk == .destructive
                ? "Type the id (\(ids.joined(separator: ", "))) or \(method) to apply, Enter to cancel: "
                : "Type \(method) to apply, Enter to cancel: "
            FileHandle.standardError.write(Data(prompt.utf8))
            let answer = (readLine() ?? "").trimmingCharacters(in: .whitespaces)
            if answer.isEmpty { return false }
            if answer == method { return true }
            return reviewed.diff.risk == .destructive && ids.contains(answer)
        }
        FileHandle.standardError.write(Data("Apply this write? [y/N] ".utf8))
        let answer = (readLine() ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        return answer == "y" || answer == "yes"
    }

    /// Prints the three-way view when a plan was refused as stale.
    static func reportStale(_ outcome: CallOutcome) {
        guard case .failure(.refused(let refusal)) = outcome.result, refusal.gate == .stalePlan else { return }
        for line in DiffText.moved(refusal.moved) { printInfo(line) }
    }
}
