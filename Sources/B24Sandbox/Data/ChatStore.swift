import B24Wire

/// Chat messages posted with `im.message.add` and read with `im.dialog.messages.get`, plus a few seeded ones in
/// the general chat (`chat1`) so a fresh portal has a history to explore.
final class ChatStore: @unchecked Sendable {
    struct Message {
        let id: Int
        let chatID: Int
        let authorID: Int
        let date: Double
        let text: String
    }

    /// The general chat everyone is in.
    static let generalChatID = 1
    /// Private dialogs get chat ids above this (Bitrix24 gives every dialog its own chat).
    static let privateChatBase = 100_000

    private let messages: Locked<(list: [Message], lastID: Int)>

    init(now: Double) {
        let seeded = [
            Message(id: 34_231, chatID: Self.generalChatID, authorID: 1, date: now - 7200,
                    text: "Всем привет! Планёрка в 10:00."),
            Message(id: 34_232, chatID: Self.generalChatID, authorID: 2, date: now - 7000, text: "OK, I'll be there."),
            Message(id: 34_233, chatID: Self.generalChatID, authorID: 0, date: now - 6900,
                    text: "Анна Смирнова changed the chat topic to \"General\""),
        ]
        messages = Locked((seeded, 34_238))
    }

    /// The chat a `DIALOG_ID` names: `chatN`, or a user id for a private dialog. Nil when malformed.
    static func chatID(forDialog dialog: String) -> Int? {
        if dialog.lowercased().hasPrefix("chat") {
            guard let chat = Int(dialog.dropFirst(4)), chat > 0 else { return nil }
            return chat
        }
        guard let user = Int(dialog), user > 0 else { return nil }
        return privateChatBase + user
    }

    /// Stores a message and returns its id.
    func post(chatID: Int, authorID: Int, text: String, at date: Double) -> Int {
        messages.withLock { state in
            state.lastID += 1
            state.list.append(Message(id: state.lastID, chatID: chatID, authorID: authorID, date: date, text: text))
            return state.lastID
        }
    }

    /// Messages of a chat, newest first: the latest `limit`, those older than `lastID`, or (with `firstID`) the
    /// `limit` oldest ones newer than it.
    func history(chatID: Int, lastID: Int?, firstID: Int?, limit: Int) -> [Message] {
        let all = messages.withLock { $0.list }.filter { $0.chatID == chatID }
        if let firstID {
            return Array(all.filter { $0.id > firstID }.prefix(limit).reversed())
        }
        let older = lastID.map { last in all.filter { $0.id < last } } ?? all
        return Array(older.suffix(limit).reversed())
    }
}
