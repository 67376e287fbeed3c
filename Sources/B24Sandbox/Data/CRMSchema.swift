import B24Wire

/// The four classic CRM entities (PROTOCOL §2.9), with their `entityTypeId`.
enum CRMEntity: Int, CaseIterable, Sendable {
    case lead = 1, deal = 2, contact = 3, company = 4

    var name: String {
        switch self {
        case .lead: return "lead"
        case .deal: return "deal"
        case .contact: return "contact"
        case .company: return "company"
        }
    }

    var schema: CRMSchema {
        switch self {
        case .lead: return CRMSchema.lead
        case .deal: return CRMSchema.deal
        case .contact: return CRMSchema.contact
        case .company: return CRMSchema.company
        }
    }
}

/// One field descriptor as `crm.*.fields` reports it.
struct CRMField {
    let code: String
    let type: String
    var isRequired = false
    var isReadOnly = false
    var isImmutable = false
    var isMultiple = false
    var isDeprecated = false
    /// Not part of a record (`CONTACT_IDS`): described by `fields`, absent from `get`.
    var describedOnly = false
    let title: String
    var statusType: String?
    var settings: JSONValue?
    var items: [(id: String, value: String)] = []

    var isUserField: Bool { code.hasPrefix("UF_") }
    var isMultifield: Bool { type == "crm_multifield" }

    var descriptor: JSONValue {
        var object: JSONObject = [
            "type": .string(type), "isRequired": .bool(isRequired), "isReadOnly": .bool(isReadOnly),
            "isImmutable": .bool(isImmutable), "isMultiple": .bool(isMultiple), "isDynamic": .bool(isUserField),
        ]
        if isDeprecated { object["isDeprecated"] = true }
        if let statusType { object["statusType"] = .string(statusType) }
        if let settings { object["settings"] = settings }
        if !items.isEmpty {
            object["items"] = .array(items.map { ["ID": .string($0.id), "VALUE": .string($0.value)] })
        }
        object["title"] = .string(isUserField ? code : title)
        if isUserField {
            object["listLabel"] = .string(title)
            object["formLabel"] = .string(title)
            object["filterLabel"] = .string(title)
        }
        return .object(object)
    }
}

/// The ordered field list of an entity.
struct CRMSchema {
    let fields: [CRMField]
    let byCode: [String: CRMField]

    init(_ fields: [CRMField]) {
        self.fields = fields
        byCode = Dictionary(fields.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// `r` read-only, `m` multiple, `q` required, `i` immutable, `d` deprecated, `h` described only.
    static func f(_ code: String, _ type: String, _ flags: String = "", _ title: String, status: String? = nil,
                  parent: Int? = nil) -> CRMField {
        var field = CRMField(code: code, type: type, title: title)
        field.isReadOnly = flags.contains("r")
        field.isMultiple = flags.contains("m")
        field.isRequired = flags.contains("q")
        field.isImmutable = flags.contains("i")
        field.isDeprecated = flags.contains("d")
        field.describedOnly = flags.contains("h")
        field.statusType = status
        if let parent { field.settings = ["parentEntityTypeId": .int(Int64(parent))] }
        return field
    }

    static func enumeration(_ code: String, _ title: String, _ items: [(String, String)]) -> CRMField {
        var field = CRMField(code: code, type: "enumeration", title: title)
        field.items = items.map { (id: $0.0, value: $0.1) }
        return field
    }

    static let multifields: [CRMField] = [
        f("PHONE", "crm_multifield", "m", "Phone"), f("EMAIL", "crm_multifield", "m", "E-mail"),
        f("WEB", "crm_multifield", "m", "Website"), f("IM", "crm_multifield", "m", "Messenger"),
    ]

    static let utm: [CRMField] = [
        f("UTM_SOURCE", "string", "", "Advertising System"), f("UTM_MEDIUM", "string", "", "Traffic Type"),
        f("UTM_CAMPAIGN", "string", "", "Campaign Identifier"), f("UTM_CONTENT", "string", "", "Campaign Content"),
        f("UTM_TERM", "string", "", "Campaign Search Term"),
    ]

    static let address: [CRMField] = [
        f("ADDRESS", "string", "", "Address"), f("ADDRESS_2", "string", "", "Address (Line 2)"),
        f("ADDRESS_CITY", "string", "", "City"), f("ADDRESS_POSTAL_CODE", "string", "", "Postal Code"),
        f("ADDRESS_REGION", "string", "", "Region"), f("ADDRESS_PROVINCE", "string", "", "Province"),
        f("ADDRESS_COUNTRY", "string", "", "Country"), f("ADDRESS_COUNTRY_CODE", "string", "", "Country Code"),
        f("ADDRESS_LOC_ADDR_ID", "integer", "", "Location Address ID"),
    ]

    static let audit: [CRMField] = [
        f("ASSIGNED_BY_ID", "user", "", "Responsible User"), f("CREATED_BY_ID", "user", "r", "Created By"),
        f("MODIFY_BY_ID", "user", "r", "Modified By"), f("DATE_CREATE", "datetime", "r", "Creation Date"),
        f("DATE_MODIFY", "datetime", "r", "Modification Date"),
    ]

    static let activity: [CRMField] = [
        f("LAST_ACTIVITY_TIME", "datetime", "r", "LAST_ACTIVITY_TIME"),
        f("LAST_ACTIVITY_BY", "user", "r", "LAST_ACTIVITY_BY"),
    ]

    static let lead = CRMSchema([
        f("ID", "integer", "r", "ID"), f("TITLE", "string", "", "Lead Title"),
        f("HONORIFIC", "crm_status", "", "Salutation", status: "HONORIFIC"), f("NAME", "string", "", "First Name"),
        f("SECOND_NAME", "string", "", "Middle Name"), f("LAST_NAME", "string", "", "Last Name"),
        f("BIRTHDATE", "date", "", "Birthdate"), f("COMPANY_TITLE", "string", "", "Company Name"),
        f("SOURCE_ID", "crm_status", "", "Source", status: "SOURCE"),
        f("SOURCE_DESCRIPTION", "string", "", "Source Description"),
        f("STATUS_ID", "crm_status", "", "Stage", status: "STATUS"),
        f("STATUS_DESCRIPTION", "string", "", "Stage Description"),
        f("STATUS_SEMANTIC_ID", "string", "r", "Status Semantic"), f("POST", "string", "", "Position"),
    ] + address + [
        f("CURRENCY_ID", "crm_currency", "", "Currency"), f("OPPORTUNITY", "double", "", "Amount"),
        f("IS_MANUAL_OPPORTUNITY", "char", "", "IS_MANUAL_OPPORTUNITY"), f("OPENED", "char", "", "Available to All"),
        f("COMMENTS", "string", "", "Comments"), f("HAS_PHONE", "char", "r", "Phone Provided"),
        f("HAS_EMAIL", "char", "r", "Email Provided"), f("HAS_IMOL", "char", "r", "Open Line Assigned"),
    ] + audit + [
        f("MOVED_BY_ID", "user", "r", "MOVED_BY_ID"), f("MOVED_TIME", "datetime", "r", "MOVED_TIME"),
        f("COMPANY_ID", "crm_company", "", "Company", parent: 4), f("CONTACT_ID", "crm_contact", "d", "Contact"),
        f("CONTACT_IDS", "crm_contact", "mh", "CONTACT_IDS"), f("IS_RETURN_CUSTOMER", "char", "r", "Returning Lead"),
        f("DATE_CLOSED", "datetime", "r", "Closing Date"), f("ORIGINATOR_ID", "string", "", "External Source"),
        f("ORIGIN_ID", "string", "", "Identifier in External Source"),
    ] + utm + activity + multifields + [
        f("UF_CRM_LEAD_CHANNEL", "string", "", "Lead channel"),
        enumeration("UF_CRM_LEAD_PRIORITY", "Priority", [("41", "Низкий"), ("42", "Normal"), ("43", "Высокий")]),
        // A boolean user field keeps 1/0, not Y/N: a filter with Y matches nothing (a classic empty list).
        f("UF_CRM_LEAD_VIP", "boolean", "", "VIP"),
    ])

    static let deal = CRMSchema([
        f("ID", "integer", "r", "ID"), f("TITLE", "string", "", "Title"),
        f("TYPE_ID", "crm_status", "", "Type", status: "DEAL_TYPE"), f("CATEGORY_ID", "crm_category", "", "Sales Funnel"),
        f("STAGE_ID", "crm_status", "", "Deal Stage", status: "DEAL_STAGE"),
        f("STAGE_SEMANTIC_ID", "string", "r", "Stage Group"), f("IS_NEW", "char", "r", "New Deal"),
        f("IS_RECURRING", "char", "", "Recurring Deal"), f("IS_RETURN_CUSTOMER", "char", "", "Repeat Deal"),
        f("IS_REPEATED_APPROACH", "char", "", "Repeated Approach"), f("PROBABILITY", "integer", "", "Probability"),
        f("CURRENCY_ID", "crm_currency", "", "Currency"), f("OPPORTUNITY", "double", "", "Amount"),
        f("IS_MANUAL_OPPORTUNITY", "char", "", "IS_MANUAL_OPPORTUNITY"), f("TAX_VALUE", "double", "", "Tax Rate"),
        f("COMPANY_ID", "crm_company", "", "Company", parent: 4), f("CONTACT_ID", "crm_contact", "d", "Contact"),
        f("CONTACT_IDS", "crm_contact", "mh", "Contacts"), f("QUOTE_ID", "crm_quote", "r", "Estimate", parent: 7),
        f("BEGINDATE", "date", "", "Start Date"), f("CLOSEDATE", "date", "", "Close Date"),
        f("OPENED", "char", "", "Available to All"), f("CLOSED", "char", "", "Closed"),
        f("COMMENTS", "string", "", "Comment"),
    ] + audit + [
        f("MOVED_BY_ID", "user", "r", "MOVED_BY_ID"), f("MOVED_TIME", "datetime", "r", "MOVED_TIME"),
        f("SOURCE_ID", "crm_status", "", "Source", status: "SOURCE"),
        f("SOURCE_DESCRIPTION", "string", "", "Additional Info about Source"),
        f("LEAD_ID", "crm_lead", "r", "Lead", parent: 1), f("ADDITIONAL_INFO", "string", "", "Additional Information"),
        f("LOCATION_ID", "location", "", "Location"), f("ORIGINATOR_ID", "string", "", "External Source"),
        f("ORIGIN_ID", "string", "", "Identifier in External Source"),
    ] + utm + activity + [
        f("UF_CRM_DEAL_REGION", "string", "", "Region"),
        enumeration("UF_CRM_DEAL_KIND", "Deal kind", [("51", "Новый клиент"), ("52", "Upsell"), ("53", "Renewal")]),
    ])

    static let contact = CRMSchema([
        f("ID", "integer", "r", "ID"), f("HONORIFIC", "crm_status", "", "Salutation", status: "HONORIFIC"),
        f("NAME", "string", "", "First Name"), f("SECOND_NAME", "string", "", "Middle Name"),
        f("LAST_NAME", "string", "", "Last Name"), f("PHOTO", "file", "", "Photo"),
        f("BIRTHDATE", "date", "", "Date of Birth"), f("TYPE_ID", "crm_status", "", "Contact Type", status: "CONTACT_TYPE"),
        f("SOURCE_ID", "crm_status", "", "Source", status: "SOURCE"),
        f("SOURCE_DESCRIPTION", "string", "", "Source Information"), f("POST", "string", "", "Position"),
    ] + address + [
        f("COMMENTS", "string", "", "Comment"), f("OPENED", "char", "", "Available to All"),
        f("EXPORT", "char", "", "Included in Export"), f("HAS_PHONE", "char", "r", "Phone Provided"),
        f("HAS_EMAIL", "char", "r", "Email Provided"), f("HAS_IMOL", "char", "r", "Open Line Assigned"),
    ] + audit + [
        f("COMPANY_ID", "crm_company", "d", "Company", parent: 4), f("COMPANY_IDS", "crm_company", "mh", "Companies"),
        f("LEAD_ID", "crm_lead", "r", "Lead", parent: 1), f("ORIGINATOR_ID", "string", "", "External Source"),
        f("ORIGIN_ID", "string", "", "Identifier in External Source"),
    ] + utm + activity + multifields + [
        f("UF_CRM_CONTACT_NOTE", "string", "", "Note"),
        enumeration("UF_CRM_CONTACT_SEGMENT", "Segment", [("61", "VIP"), ("62", "Постоянный"), ("63", "New")]),
    ])

    static let company = CRMSchema([
        f("ID", "integer", "r", "ID"), f("TITLE", "string", "q", "Company Name"),
        f("COMPANY_TYPE", "crm_status", "", "Company type", status: "COMPANY_TYPE"), f("LOGO", "file", "", "Logo"),
    ] + address + [
        f("BANKING_DETAILS", "string", "", "Payment details"),
        f("INDUSTRY", "crm_status", "", "Industry", status: "INDUSTRY"),
        f("EMPLOYEES", "crm_status", "", "Employees", status: "EMPLOYEES"),
        f("CURRENCY_ID", "crm_currency", "", "Currency"), f("REVENUE", "double", "", "Annual revenue"),
        f("OPENED", "char", "", "Available to All"), f("COMMENTS", "string", "", "Comment"),
        f("HAS_PHONE", "char", "r", "Phone Provided"), f("HAS_EMAIL", "char", "r", "Email Provided"),
        f("HAS_IMOL", "char", "r", "Open Line Assigned"), f("IS_MY_COMPANY", "char", "", "My Company"),
    ] + audit + [
        f("CONTACT_ID", "crm_contact", "mh", "Contact"), f("LEAD_ID", "crm_lead", "r", "Lead", parent: 1),
        f("ORIGINATOR_ID", "string", "", "External Source"), f("ORIGIN_ID", "string", "", "Identifier in External Source"),
    ] + utm + activity + multifields + [
        f("UF_CRM_COMPANY_INN", "string", "", "INN"),
        enumeration("UF_CRM_COMPANY_TIER", "Tier", [("71", "Gold"), ("72", "Серебро"), ("73", "Bronze")]),
    ])
}
