import B24Wire

/// Deterministic demo CRM records computed from (seed, entity, id) on demand, so a million leads cost nothing
/// until read. Each field is computed on its own, which lets filters scan without building whole records.
struct CRMGenerator: Sendable {
    let seed: UInt64
    /// Records 1...count of each entity are generated.
    let counts: [CRMEntity: Int]

    static let firstNamesRU = ["Иван", "Ольга", "Сергей", "Наталья", "Алексей", "Мария", "Дмитрий", "Екатерина",
                               "Андрей", "Татьяна", "Михаил", "Анна", "Юлия", "Павел", "Светлана", "Николай"]
    static let lastNamesRU = ["Иванов", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева", "Козлов", "Новикова",
                              "Морозов", "Петрова", "Волков", "Соловьёва", "Васильев", "Зайцева", "Павлов", "Семёнова"]
    static let firstNamesEN = ["John", "Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Erasmus", "Sofia",
                               "Mateo", "Chloé", "Jürgen", "Zoë", "Ignacius", "Hannah"]
    static let lastNamesEN = ["Smith", "Johnson", "Brown", "García", "Miller", "Davis", "Müller", "Wilson", "Anderson",
                              "Taylor", "Thomas", "Moore", "Martin", "Lee", "O'Brien", "Golden"]
    static let companiesRU = ["ООО «Ромашка»", "АО «Вектор»", "ИП Титов", "ООО «Север-Трейд»", "ПАО «Гранит»",
                              "ООО «Лесные технологии»", "ЗАО «Альфа-Строй»", "ООО «Байкал Софт»"]
    static let companiesEN = ["Acme Corp", "Globex Ltd", "Initech", "Umbrella GmbH", "Stark Industries",
                              "Wayne Enterprises", "Hooli Inc.", "Soylent & Co"]
    static let cities = ["Москва", "Санкт-Петербург", "Berlin", "London", "Казань", "New York", "Новосибирск", "Paris"]
    static let sources = ["CALL", "EMAIL", "WEB", "ADVERTISING", "PARTNER", "RECOMMENDATION", "TRADE_SHOW", "WEBFORM"]
    static let leadStatuses = ["NEW", "NEW", "IN_PROCESS", "IN_PROCESS", "PROCESSED", "CONVERTED", "JUNK"]
    static let dealStages = ["NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE", "WON", "LOSE"]
    static let currencies = ["RUB", "USD", "EUR"]
    static let channels = ["Сайт", "Instagram", "Telegram", "Cold call", "Выставка", "Partner"]
    static let regions = ["Центр", "Северо-Запад", "EMEA", "APAC", "Сибирь", "Americas"]
    static let base = 1_704_067_200.0  // 2024-01-01

    init(seed: UInt64, leads: Int) {
        self.seed = seed
        counts = [.lead: max(0, leads), .deal: 120, .contact: 150, .company: 50]
    }

    func hash(_ entity: CRMEntity, _ id: Int, _ salt: UInt64 = 0) -> UInt64 {
        SeededRandom.mix(seed, UInt64(entity.rawValue), UInt64(id), salt)
    }

    private func pick<T>(_ list: [T], _ h: UInt64, _ shift: UInt64) -> T { list[Int((h >> shift) % UInt64(list.count))] }

    private func cyrillic(_ h: UInt64) -> Bool { h & 3 != 0 }  // three in four names are Cyrillic

    func firstName(_ e: CRMEntity, _ id: Int) -> String {
        let h = hash(e, id)
        return cyrillic(h) ? pick(Self.firstNamesRU, h, 4) : pick(Self.firstNamesEN, h, 4)
    }

    func lastName(_ e: CRMEntity, _ id: Int) -> String {
        let h = hash(e, id)
        var name = cyrillic(h) ? pick(Self.lastNamesRU, h, 12) : pick(Self.lastNamesEN, h, 12)
        // Russian surnames agree with the first name's gender.
        if cyrillic(h) {
            let female = ["Ольга", "Наталья", "Мария", "Екатерина", "Татьяна", "Анна", "Юлия", "Светлана"]
                .contains(firstName(e, id))
            if female, !name.hasSuffix("а") { name += "а" }
            if !female, name.hasSuffix("ва") || name.hasSuffix("на") { name.removeLast() }
        }
        return name
    }

    func created(_ e: CRMEntity, _ id: Int) -> Double {
        // Spread records over time, newest last, whatever their number.
        let count = Double(max(1, counts[e] ?? 1))
        let span = 600.0 * 86_400
        return (Self.base + span * Double(id) / count + Double(hash(e, id, 9) % 3_600)).rounded(.down)
    }

    /// Multifield entries (PHONE, EMAIL, WEB, IM) of a generated record; IDs derive from the record ID.
    func multifield(_ e: CRMEntity, _ id: Int, _ type: String) -> [JSONValue] {
        guard e != .deal else { return [] }
        let h = hash(e, id, 7)
        var entries: [JSONValue] = []
        func entry(_ slot: Int, _ valueType: String, _ value: String) {
            entries.append(["ID": .string(String(id * 8 + slot + e.rawValue * 100_000_000)),
                            "VALUE_TYPE": .string(valueType), "VALUE": .string(value), "TYPE_ID": .string(type)])
        }
        switch type {
        case "PHONE":
            let count = Int(h % 3)
            for slot in 0..<count {
                let digits = String(format7: Int((h >> (8 + UInt64(slot) * 12)) % 10_000_000))
                entry(slot, slot == 0 ? "WORK" : "MOBILE", slot == 0 ? "+7 495 \(digits)" : "+1 555 \(digits)")
            }
        case "EMAIL":
            if (h >> 40) % 4 != 0 {
                entry(3, "WORK", "\(e.name)\(id)@example.\(cyrillic(hash(e, id)) ? "ru" : "com")")
            }
        case "WEB":
            if e == .company { entry(4, "WORK", "https://company\(id).example.com/") }
        case "IM":
            if (h >> 44) % 5 == 0 { entry(5, "TELEGRAM", "@user\(id)") }
        default: break
        }
        return entries
    }

    /// The value of one field of a generated record (nil for an absent multifield).
    func value(_ e: CRMEntity, _ field: String, _ id: Int) -> JSONValue? {
        let h = hash(e, id)
        let user = JSONValue.string(String(1 + Int((h >> 20) % 10)))
        let createdAt = created(e, id)
        switch field {
        case "ID": return .string(String(id))
        case "PHONE", "EMAIL", "WEB", "IM":
            let entries = multifield(e, id, field)
            return entries.isEmpty ? nil : .array(entries)
        case "HAS_PHONE": return multifield(e, id, "PHONE").isEmpty ? "N" : "Y"
        case "HAS_EMAIL": return multifield(e, id, "EMAIL").isEmpty ? "N" : "Y"
        case "HAS_IMOL", "IS_RETURN_CUSTOMER", "IS_RECURRING", "IS_REPEATED_APPROACH", "IS_MY_COMPANY":
            return "N"
        case "OPENED", "EXPORT": return "Y"
        case "ASSIGNED_BY_ID", "CREATED_BY_ID", "MODIFY_BY_ID", "MOVED_BY_ID", "LAST_ACTIVITY_BY": return user
        case "DATE_CREATE", "MOVED_TIME", "LAST_ACTIVITY_TIME": return .string(PortalClock.iso(createdAt))
        case "DATE_MODIFY": return .string(PortalClock.iso(createdAt + Double((h >> 30) % 86_400)))
        case "CURRENCY_ID": return .string(pick(Self.currencies, h, 33))
        case "OPPORTUNITY", "REVENUE": return .string(String((h >> 36) % 200 * 500) + ".00")
        case "IS_MANUAL_OPPORTUNITY": return "N"
        case "SOURCE_ID": return .string(pick(Self.sources, h, 42))
        case "COMMENTS", "HONORIFIC", "SECOND_NAME", "SOURCE_DESCRIPTION", "STATUS_DESCRIPTION", "POST",
             "ORIGINATOR_ID", "ORIGIN_ID", "UTM_SOURCE", "UTM_MEDIUM", "UTM_CAMPAIGN", "UTM_CONTENT", "UTM_TERM",
             "ADDRESS_2", "ADDRESS_POSTAL_CODE", "ADDRESS_REGION", "ADDRESS_PROVINCE", "ADDRESS_COUNTRY_CODE",
             "ADDRESS_LOC_ADDR_ID", "PHOTO", "LOGO", "BANKING_DETAILS", "LEAD_ID", "QUOTE_ID", "ADDITIONAL_INFO",
             "LOCATION_ID", "PROBABILITY", "UF_CRM_CONTACT_NOTE", "UF_CRM_COMPANY_INN":
            if field == "UF_CRM_COMPANY_INN" { return .string(String(7_700_000_000 + (h >> 20) % 99_999_999)) }
            return .null
        case "ADDRESS": return (h >> 46) % 3 == 0 ? .null : .string("\(1 + (h >> 48) % 120) \(cyrillic(h) ? "ул. Ленина" : "Hollow Ridge Alley")")
        case "ADDRESS_CITY": return .string(pick(Self.cities, h, 50))
        case "ADDRESS_COUNTRY": return cyrillic(h) ? "Россия" : "USA"
        case "BIRTHDATE": return ""
        case "NAME": return .string(firstName(e, id))
        case "LAST_NAME": return .string(lastName(e, id))
        case "UF_CRM_LEAD_CHANNEL": return .string(pick(Self.channels, h, 52))
        case "UF_CRM_DEAL_REGION": return .string(pick(Self.regions, h, 52))
        case "UF_CRM_LEAD_PRIORITY": return .string(String(41 + (h >> 55) % 3))
        case "UF_CRM_LEAD_VIP": return (h >> 57) % 5 == 0 ? "1" : "0"
        case "UF_CRM_DEAL_KIND": return .string(String(51 + (h >> 55) % 3))
        case "UF_CRM_CONTACT_SEGMENT": return .string(String(61 + (h >> 55) % 3))
        case "UF_CRM_COMPANY_TIER": return .string(String(71 + (h >> 55) % 3))
        default: break
        }
        switch e {
        case .lead: return leadValue(field, id, h, createdAt)
        case .deal: return dealValue(field, id, h, createdAt)
        case .contact: return contactValue(field, id, h)
        case .company: return companyValue(field, id, h)
        }
    }

    private func companyLink(_ h: UInt64) -> Int? {
        let companies = counts[.company] ?? 0
        guard companies > 0, (h >> 57) % 2 == 0 else { return nil }
        return 1 + Int((h >> 23) % UInt64(companies))
    }

    private func leadValue(_ field: String, _ id: Int, _ h: UInt64, _ createdAt: Double) -> JSONValue? {
        let status = pick(Self.leadStatuses, h, 14)
        switch field {
        case "TITLE":
            let ru = cyrillic(h)
            return .string((ru ? "Заявка: " : "Request: ") + firstName(.lead, id) + " " + lastName(.lead, id))
        case "COMPANY_TITLE":
            guard (h >> 18) % 3 == 0 else { return .null }
            return .string(cyrillic(h) ? pick(Self.companiesRU, h, 26) : pick(Self.companiesEN, h, 26))
        case "STATUS_ID": return .string(status)
        case "STATUS_SEMANTIC_ID": return status == "CONVERTED" ? "S" : (status == "JUNK" ? "F" : "P")
        case "DATE_CLOSED":
            return status == "CONVERTED" || status == "JUNK" ? .string(PortalClock.iso(createdAt + 86_400)) : ""
        case "COMPANY_ID": return companyLink(h).map { .string(String($0)) } ?? .null
        case "CONTACT_ID":
            let contacts = counts[.contact] ?? 0
            guard contacts > 0, status == "CONVERTED" else { return .null }
            return .string(String(1 + Int((h >> 27) % UInt64(contacts))))
        default: return .null
        }
    }

    private func dealValue(_ field: String, _ id: Int, _ h: UInt64, _ createdAt: Double) -> JSONValue? {
        let stage = pick(Self.dealStages, h, 14)
        switch field {
        case "TITLE":
            let ru = cyrillic(h)
            return .string((ru ? "Сделка №\(id): " : "Deal #\(id): ") + (ru ? pick(Self.companiesRU, h, 26) : pick(Self.companiesEN, h, 26)))
        case "TYPE_ID": return .string(pick(["SALE", "COMPLEX", "GOODS", "SERVICES"], h, 17))
        case "CATEGORY_ID": return "0"
        case "STAGE_ID": return .string(stage)
        case "STAGE_SEMANTIC_ID": return stage == "WON" ? "S" : (stage == "LOSE" ? "F" : "P")
        case "IS_NEW": return stage == "NEW" ? "Y" : "N"
        case "CLOSED": return stage == "WON" || stage == "LOSE" ? "Y" : "N"
        case "TAX_VALUE": return "0.00"
        case "COMPANY_ID": return .string(String(companyLink(h) ?? 0))
        case "CONTACT_ID":
            let contacts = counts[.contact] ?? 0
            return contacts > 0 ? .string(String(1 + Int((h >> 27) % UInt64(contacts)))) : .null
        case "BEGINDATE": return .string(PortalClock.iso(createdAt - createdAt.truncatingRemainder(dividingBy: 86_400)))
        case "CLOSEDATE":
            let close = createdAt + 14 * 86_400
            return .string(PortalClock.iso(close - close.truncatingRemainder(dividingBy: 86_400)))
        default: return .null
        }
    }

    private func contactValue(_ field: String, _ id: Int, _ h: UInt64) -> JSONValue? {
        switch field {
        case "TYPE_ID": return .string(pick(["CLIENT", "CLIENT", "SUPPLIER", "PARTNER", "OTHER"], h, 17))
        case "COMPANY_ID": return companyLink(h).map { .string(String($0)) } ?? .null
        default: return .null
        }
    }

    private func companyValue(_ field: String, _ id: Int, _ h: UInt64) -> JSONValue? {
        switch field {
        case "TITLE":
            let list = cyrillic(h) ? Self.companiesRU : Self.companiesEN
            let name = pick(list, h, 26)
            return .string(id <= list.count ? name : "\(name) \(id)")
        case "COMPANY_TYPE": return .string(pick(["CUSTOMER", "SUPPLIER", "COMPETITOR", "PARTNER", "OTHER"], h, 17))
        case "INDUSTRY": return .string(pick(["IT", "TELECOM", "MANUFACTURING", "BANKING", "CONSULTING", "OTHER"], h, 19))
        case "EMPLOYEES": return .string(pick(["EMPLOYEES_1", "EMPLOYEES_2", "EMPLOYEES_3", "EMPLOYEES_4"], h, 21))
        default: return .null
        }
    }
}

extension String {
    /// Seven digits, zero-padded.
    init(format7 value: Int) {
        let digits = String(value)
        let padding = String(repeating: "0", count: Swift.max(0, 7 - digits.count))
        self = padding + digits
    }
}
