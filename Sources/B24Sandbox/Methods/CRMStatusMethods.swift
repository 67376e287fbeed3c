import B24Wire

/// `crm.status.list`: the reference lists behind `crm_status` fields (lead stages, sources, deal stages,
/// contact and company types…), as `{ID, ENTITY_ID, STATUS_ID, NAME, NAME_INIT, SORT, SYSTEM}` rows; and
/// `crm.currency.list`, the currencies `crm_currency` fields take.
enum CRMStatusMethods {
    /// ENTITY_ID → (STATUS_ID, NAME) in sort order; the IDs match what the generator puts in records.
    static let lists: [(entity: String, items: [(String, String)])] = [
        ("STATUS", [("NEW", "Не обработан"), ("IN_PROCESS", "В работе"), ("PROCESSED", "Обработан"),
                    ("CONVERTED", "Качественный лид"), ("JUNK", "Некачественный лид")]),
        ("SOURCE", [("CALL", "Звонок"), ("EMAIL", "E-mail"), ("WEB", "Веб-сайт"), ("ADVERTISING", "Реклама"),
                    ("PARTNER", "Существующий клиент"), ("RECOMMENDATION", "По рекомендации"), ("TRADE_SHOW", "Выставка"),
                    ("WEBFORM", "CRM-форма"), ("OTHER", "Другое")]),
        ("HONORIFIC", [("HNR_RU_1", "г-н"), ("HNR_RU_2", "г-жа"), ("HNR_EN_1", "Mr."), ("HNR_EN_2", "Mrs.")]),
        ("DEAL_STAGE", [("NEW", "Новая"), ("PREPARATION", "Подготовка документов"), ("PREPAYMENT_INVOICE", "Счёт на предоплату"),
                        ("EXECUTING", "В работе"), ("FINAL_INVOICE", "Финальный счёт"), ("WON", "Сделка успешна"),
                        ("LOSE", "Сделка провалена")]),
        ("DEAL_TYPE", [("SALE", "Продажа"), ("COMPLEX", "Комплексная продажа"), ("GOODS", "Продажа товара"),
                       ("SERVICES", "Продажа услуги"), ("SERVICE", "Сервисное обслуживание")]),
        ("CONTACT_TYPE", [("CLIENT", "Клиенты"), ("SUPPLIER", "Поставщики"), ("PARTNER", "Партнёры"), ("OTHER", "Другое")]),
        ("COMPANY_TYPE", [("CUSTOMER", "Клиент"), ("SUPPLIER", "Поставщик"), ("COMPETITOR", "Конкурент"),
                          ("PARTNER", "Партнёр"), ("OTHER", "Другое")]),
        ("INDUSTRY", [("IT", "Информационные технологии"), ("TELECOM", "Телекоммуникации и связь"),
                      ("MANUFACTURING", "Производство"), ("BANKING", "Банковские услуги"), ("CONSULTING", "Консалтинг"),
                      ("FINANCE", "Финансы"), ("GOVERNMENT", "Правительство"), ("DELIVERY", "Доставка"), ("OTHER", "Другое")]),
        ("EMPLOYEES", [("EMPLOYEES_1", "менее 50"), ("EMPLOYEES_2", "50-250"), ("EMPLOYEES_3", "250-500"),
                       ("EMPLOYEES_4", "более 500")]),
    ]

    /// Every row, numbered as the portal numbers them (one ID sequence across lists).
    static let rows: [JSONObject] = {
        var rows: [JSONObject] = []
        for list in lists {
            for (index, item) in list.items.enumerated() {
                rows.append(["ID": .string(String(rows.count + 1)), "ENTITY_ID": .string(list.entity), "STATUS_ID": .string(item.0),
                             "NAME": .string(item.1), "NAME_INIT": .string(item.1), "SORT": .int(Int64((index + 1) * 10)),
                             "SYSTEM": .string(index == 0 ? "Y" : "N")])
            }
        }
        return rows
    }()

    private static func list(_ env: CallEnv) throws -> MethodOutput {
        let filter = ListFilter(env.param("filter") ?? .emptyObject)
        var matched: [JSONObject] = rows.filter { row in filter.matches { row[$0] } }
        if let first = env.param("order")?.objectValue?.elements.first {
            let field = first.key.uppercased()
            let descending = first.value.stringValue?.uppercased() == "DESC"
            matched.sort { a, b in
                let order = ListFilter.orderedBefore(a[field], b[field])
                return descending ? order > 0 : order < 0
            }
        }
        // The portal returns the whole list at once: no paging.
        return MethodOutput(.array(matched.map { JSONValue.object($0) }), total: matched.count)
    }

    /// The currencies the generator uses, RUB the base one, as crm.currency.list rows.
    static let currencies: [JSONObject] = [("RUB", "Российский рубль", 1.0, "Y"), ("USD", "Доллар США", 90.5, "N"),
                                           ("EUR", "Евро", 98.2, "N")].enumerated().map { index, item in
        ["CURRENCY": .string(item.0), "AMOUNT_CNT": 1, "AMOUNT": .double(item.2), "SORT": .int(Int64((index + 1) * 100)),
         "BASE": .string(item.3), "FULL_NAME": .string(item.1), "LID": "ru", "FORMAT_STRING": .string("# \(item.0)"),
         "DEC_POINT": ".", "THOUSANDS_SEP": " ", "DECIMALS": 2]
    }

    static func register(into registry: inout MethodRegistry) {
        registry.add("crm.status.list", scope: "crm", list)
        registry.add("crm.currency.list", scope: "crm") { _ in MethodOutput(.array(currencies.map { JSONValue.object($0) }), total: currencies.count) }
    }
}
