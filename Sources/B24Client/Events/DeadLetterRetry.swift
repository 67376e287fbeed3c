import B24Wire
import Foundation

/// `b24 dlq retry`: a dead letter handed to a handler or sink once more. The record left the portal's queue
/// when it was dead-lettered, so the DLQ row is its only copy: it is removed only after the target took it.
public enum DeadLetterRetry {
    /// True when the target took the event (the letter is then gone from the DLQ, its key marked done).
    public static func retry(_ letter: B24Store.DeadLetter, target: OfflineWorker.Target, store: B24Store) async throws -> Bool {
        let messageID = letter.messageID ?? ""
        switch target {
        case .sink(let path):
            let sink = try SinkFile(path: path, store: store)
            defer { sink.close() }
            try sink.append(letter.record, key: letter.key, messageID: messageID, scope: letter.scope)
        case .handler(let command):
            let status = await HandlerProcess.run(command, input: JSONWriter.compact(letter.record) + "\n", environment: [
                "B24_EVENT_KEY": letter.key, "B24_EVENT_NAME": letter.event, "B24_MESSAGE_ID": messageID,
            ])
            guard status == 0 else { return false }
        }
        try store.removeDeadLetters(ids: [letter.id], handled: true)
        return true
    }
}
