import B24Wire

/// Users and departments of the demo company. Small and immutable, so reads need no lock.
final class Directory: @unchecked Sendable {
    struct User {
        let id: Int
        let name: String
        let lastName: String
        let email: String
        let admin: Bool
        let departments: [Int]
        let position: String
        let gender: String
        let active: Bool
    }

    struct Department {
        let id: Int
        let name: String
        let sort: Int
        let parent: Int?
        let head: Int?
    }

    /// The non-admin user who owns the crm-only webhook.
    static let crmUserID = 3

    let users: [User]
    let departments: [Department]
    /// Each user's `user.get`/`user.current` object, built once.
    private let userObjects: [Int: JSONObject]

    init(seed: UInt64) {
        users = [
            User(id: 1, name: "Анна", lastName: "Смирнова", email: "anna.smirnova@sandbox.example", admin: true,
                 departments: [1], position: "Генеральный директор", gender: "F", active: true),
            User(id: 2, name: "John", lastName: "Smith", email: "john.smith@sandbox.example", admin: false,
                 departments: [2], position: "Sales Manager", gender: "M", active: true),
            User(id: 3, name: "Иван", lastName: "Петров", email: "ivan.petrov@sandbox.example", admin: false,
                 departments: [2], position: "Менеджер по продажам", gender: "M", active: true),
            User(id: 4, name: "Maria", lastName: "García", email: "maria.garcia@sandbox.example", admin: false,
                 departments: [3], position: "Accountant", gender: "F", active: true),
            User(id: 5, name: "Ольга", lastName: "Кузнецова", email: "olga.kuznetsova@sandbox.example", admin: true,
                 departments: [4], position: "Руководитель маркетинга", gender: "F", active: true),
            User(id: 6, name: "Пётр", lastName: "Иванов", email: "petr.ivanov@sandbox.example", admin: false,
                 departments: [5], position: "Разработчик", gender: "M", active: true),
            User(id: 7, name: "Emily", lastName: "Chen", email: "emily.chen@sandbox.example", admin: false,
                 departments: [5], position: "QA Engineer", gender: "F", active: true),
            User(id: 8, name: "Дмитрий", lastName: "Соколов", email: "dmitry.sokolov@sandbox.example", admin: false,
                 departments: [2, 4], position: "Аккаунт-менеджер", gender: "M", active: true),
            User(id: 9, name: "Lukas", lastName: "Müller", email: "lukas.mueller@sandbox.example", admin: false,
                 departments: [6], position: "Lawyer", gender: "M", active: false),
            User(id: 10, name: "Елена", lastName: "Волкова", email: "elena.volkova@sandbox.example", admin: false,
                 departments: [3], position: "Бухгалтер", gender: "F", active: true),
        ]
        departments = [
            Department(id: 1, name: "Песочница (Sandbox Company)", sort: 500, parent: nil, head: 1),
            Department(id: 2, name: "Отдел продаж", sort: 500, parent: 1, head: 2),
            Department(id: 3, name: "Accounting", sort: 500, parent: 1, head: 4),
            Department(id: 4, name: "Marketing and Advertising Department", sort: 500, parent: 1, head: 5),
            Department(id: 5, name: "R&D", sort: 500, parent: 1, head: 6),
            Department(id: 6, name: "Legal Department", sort: 600, parent: 1, head: nil),
        ]
        var objects: [Int: JSONObject] = [:]
        for user in users {
            let registered = 1_704_067_200.0 + Double(user.id) * 86_400 * 3
            let login = 1_735_689_600.0 + Double(user.id) * 3_600
            objects[user.id] = [
                "ID": .string(String(user.id)),
                "ACTIVE": .bool(user.active),
                "NAME": .string(user.name),
                "LAST_NAME": .string(user.lastName),
                "SECOND_NAME": "",
                "EMAIL": .string(user.email),
                "LAST_LOGIN": .string(PortalClock.iso(login)),
                "DATE_REGISTER": .string(PortalClock.iso(registered)),
                "TIME_ZONE": "",
                "IS_ONLINE": user.id % 2 == 1 ? "Y" : "N",
                "TIMESTAMP_X": .string(PortalClock.siteFormat(registered)),
                "LAST_ACTIVITY_DATE": .string(PortalClock.plain(login + 60)),
                "PERSONAL_GENDER": .string(user.gender),
                "PERSONAL_WWW": "",
                "PERSONAL_BIRTHDAY": "",
                "PERSONAL_MOBILE": .string("+7 900 000-00-\(String(format2: user.id))"),
                "PERSONAL_CITY": "",
                "WORK_PHONE": "",
                "WORK_POSITION": .string(user.position),
                "UF_EMPLOYMENT_DATE": "",
                "UF_DEPARTMENT": .array(user.departments.map { .int(Int64($0)) }),
                "USER_TYPE": "employee",
            ]
        }
        userObjects = objects
    }

    func user(_ id: Int) -> User? { users.first { $0.id == id } }
    func isAdmin(_ id: Int) -> Bool { user(id)?.admin ?? false }
    func userObject(_ id: Int) -> JSONObject? { userObjects[id] }
}

extension String {
    /// Two-digit zero-padded number.
    init(format2 value: Int) { self = value < 10 ? "0\(value)" : String(value) }
}
