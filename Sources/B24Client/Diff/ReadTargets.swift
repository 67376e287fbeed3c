import B24Catalog
import B24Wire

/// An entity b24 can read before it writes: how to get one record, describe its fields and find look-alikes.
public struct ReadableEntity: Sendable, Equatable {
    /// The entity's method prefix (`crm.lead`, `crm.item`, `tasks.task`).
    public var name: String
    /// The call that reads one record.
    public var getMethod: String
    /// The parameter of get/update/delete that names the record (`id`, `taskId`).
    public var idParam: String
    /// Where the record sits in get's `result` (nil: `result` itself).
    public var recordKey: String?
    /// The call that describes the fields (nil: no metadata, codes stand for titles).
    public var fieldsMethod: String?
    /// Where the field map sits in the fields call's `result` (nil: `result` itself).
    public var fieldsKey: String?
    /// Extra parameters that get, fields and list carry along (crm.item: `entityTypeId`).
    public var scopeParams: [String] = []
    /// The parameter of add/update that holds the values.
    public var valuesParam = "fields"
    /// The list method, for the duplicate check of an add (nil: no duplicate check).
    public var listMethod: String?
    /// `crm.duplicate.findbycomm`'s `entity_type` for this entity (nil: not searched by phone or e-mail).
    public var duplicateEntityType: String?
}

/// What a write or destructive method does to its target, as far as a preview goes.
public enum WriteEffect: Sendable, Equatable {
    /// Changes named fields of one record (update).
    case update(ReadableEntity)
    /// Removes one record (delete): the preview is the whole record.
    case delete(ReadableEntity)
    /// Creates a record: every field is an addition, look-alikes are searched.
    case add(ReadableEntity)
    /// Acts on one record with fields the method itself sets (tasks.task.complete sets the status).
    case action(ReadableEntity, implied: JSONObject)
    /// Nothing can be read beforehand; the reason says why.
    case noPreview(reason: String)
}

/// Which record each write and destructive method touches and how to read it: the policy data behind the diff
/// shown before every write. Entity methods are known by their shape (`crm.X.update` reads `crm.X.get`); the other
/// catalog methods are listed here with the reason no preview is possible.
public enum ReadTargets {
    static let crmClassic = ["lead", "deal", "contact", "company"]

    /// The readable entity of a method prefix, if b24 knows one (v2 names; REST 3.0 tasks take `id`).
    public static func entity(_ prefix: String, apiVersion: APIVersion = .v2) -> ReadableEntity? {
        let parts = prefix.lowercased().split(separator: ".").map(String.init)
        guard parts.count == 2 else { return nil }
        switch (parts[0], parts[1]) {
        case ("crm", let name) where crmClassic.contains(name):
            return ReadableEntity(
                name: "crm.\(name)", getMethod: "crm.\(name).get", idParam: "id", fieldsMethod: "crm.\(name).fields",
                listMethod: "crm.\(name).list", duplicateEntityType: name == "deal" ? nil : name.uppercased())
        case ("crm", "item"):
            return ReadableEntity(
                name: "crm.item", getMethod: "crm.item.get", idParam: "id", recordKey: "item",
                fieldsMethod: "crm.item.fields", fieldsKey: "fields", scopeParams: ["entityTypeId"],
                listMethod: "crm.item.list")
        case ("tasks", "task"):
            if apiVersion == .v3 {
                return ReadableEntity(name: "tasks.task", getMethod: "tasks.task.get", idParam: "id", recordKey: "item")
            }
            return ReadableEntity(
                name: "tasks.task", getMethod: "tasks.task.get", idParam: "taskId", recordKey: "task",
                fieldsMethod: "tasks.task.getFields", fieldsKey: "fields", listMethod: "tasks.task.list")
        default:
            return nil
        }
    }

    /// Methods that change data and have nothing b24 can read first, with the reason (shown with the payload).
    public static let withoutTarget: [String: String] = [
        "event.bind": "it registers a handler: nothing exists yet to compare with",
        "event.unbind": "event bindings have no id to read one by; event.get lists them all",
        "event.offline.clear": "it acts on the offline queue, which reading would reserve",
        "event.offline.error": "it marks queue entries; reading the queue would reserve them",
        "batch": "a batch is reviewed command by command",
        "im.message.add": "it posts a new message: nothing exists yet to compare with",
        "im.message.update": "the portal has no call that reads one message by its id",
        "im.message.delete": "the portal has no call that reads one message by its id",
        "imbot.register": "it registers a bot: nothing exists yet to compare with",
        "imbot.command.register": "it registers a command: nothing exists yet to compare with",
        "imbot.command.answer": "it posts an answer: nothing exists yet to compare with",
        "telephony.externalCall.register": "it starts a call record: nothing exists yet to compare with",
        "telephony.externalCall.finish": "it acts on a call in progress, which has no readable state",
        "bizproc.workflow.start": "it starts a workflow: it acts, nothing is changed in place",
        "bizproc.workflow.terminate": "it acts on a running workflow, which has no field-level state to compare",
        "bizproc.workflow.kill": "it acts on a running workflow, which has no field-level state to compare",
        "bizproc.task.complete": "it acts on a workflow task, which has no field-level state to compare",
        "bizproc.robot.add": "it registers a robot: nothing exists yet to compare with",
        "bizproc.robot.update": "robots are read only as a list of codes, without their settings",
        "bizproc.workflow.template.update": "templates are read without their body, so nothing comparable exists",
        "sonet_group.create": "it creates a group: nothing exists yet to compare with",
        "sonet_group.update": "b24 has no reviewed reader for workgroups yet (sonet_group.get filters a list)",
        "sonet_group.delete": "b24 has no reviewed reader for workgroups yet (sonet_group.get filters a list)",
        "log.blogpost.add": "it posts to the feed: nothing exists yet to compare with",
        "log.blogpost.update": "b24 has no reviewed reader for feed posts yet",
        "log.blogpost.delete": "b24 has no reviewed reader for feed posts yet",
        "log.blogcomment.add": "it posts a comment: nothing exists yet to compare with",
        "log.blogcomment.delete": "the portal has no call that reads one comment by its id",
        "disk.folder.addsubfolder": "it creates a folder elsewhere: nothing exists yet to compare with",
        "disk.folder.uploadfile": "it uploads a file: nothing exists yet to compare with",
        "disk.file.copyto": "it creates a copy elsewhere: nothing is changed in place",
        "disk.file.moveto": "b24 has no reviewed reader for disk files yet",
        "disk.file.delete": "b24 has no reviewed reader for disk files yet",
        "documentgenerator.document.add": "it generates a document: nothing exists yet to compare with",
        "tasks.api.scrum.sprint.add": "it creates a sprint: nothing exists yet to compare with",
        "tasks.api.scrum.sprint.start": "it acts on a sprint: no field is written",
        "tasks.api.scrum.sprint.complete": "it acts on a sprint: no field is written",
        "tasks.api.scrum.kanban.addTask": "it places a task on a board: the board has no readable record",
        "tasks.api.scrum.kanban.deleteTask": "it removes a task from a board: the board has no readable record",
        "tasks.api.scrum.epic.add": "it creates an epic: nothing exists yet to compare with",
        "tasks.api.scrum.backlog.add": "it creates a backlog: nothing exists yet to compare with",
        "sale.order.add": "it creates an order: nothing exists yet to compare with",
        "sale.order.update": "b24 has no reviewed reader for orders yet",
        "sale.payment.add": "it creates a payment: nothing exists yet to compare with",
        "catalog.product.add": "it creates a product: nothing exists yet to compare with",
        "catalog.product.update": "b24 has no reviewed reader for products yet",
        "catalog.price.add": "it creates a price: nothing exists yet to compare with",
        "booking.v1.booking.add": "it creates a booking: nothing exists yet to compare with",
        "booking.v1.booking.update": "b24 has no reviewed reader for bookings yet",
        "calendar.event.add": "it creates an event: nothing exists yet to compare with",
        "calendar.event.update": "b24 has no reviewed reader for calendar events yet",
        "timeman.open": "it starts the working day: it acts, nothing is changed in place",
        "timeman.close": "it ends the working day: it acts, nothing is changed in place",
        "ai.engine.register": "it registers an engine: nothing exists yet to compare with",
        "ai.engine.unregister": "engines are listed without their settings, so nothing comparable exists",
        "entity.add": "it creates a storage: nothing exists yet to compare with",
        "entity.update": "b24 has no reviewed reader for app storages yet",
        "entity.item.add": "it creates a storage item: nothing exists yet to compare with",
        "biconnector.source.add": "it creates a source: nothing exists yet to compare with",
        "landing.site.add": "it creates a site: nothing exists yet to compare with",
        "landing.site.update": "b24 has no reviewed reader for sites yet",
        "landing.site.delete": "b24 has no reviewed reader for sites yet",
        "landing.landing.add": "it creates a page: nothing exists yet to compare with",
        "landing.landing.update": "b24 has no reviewed reader for pages yet",
        "landing.landing.delete": "b24 has no reviewed reader for pages yet",
        "landing.block.addCard": "it adds a card inside a block, which has no field-level state",
        "userconsent.consent.add": "it records a consent: nothing exists yet to compare with",
    ]

    /// What `method` does to its target, for a preview. Methods of a known entity are read by their verb; the
    /// rest show their payload with the reason.
    public static func effect(of method: String, apiVersion: APIVersion = .v2) -> WriteEffect {
        let canonical = MethodName.canonical(method)
        let lower = canonical.lowercased()
        if let dot = lower.lastIndex(of: "."), let entity = entity(String(lower[..<dot]), apiVersion: apiVersion) {
            switch String(lower[lower.index(after: dot)...]) {
            case "update": return .update(entity)
            case "delete": return .delete(entity)
            case "add": return .add(entity)
            case "complete" where entity.name == "tasks.task":
                return .action(entity, implied: ["STATUS": "5"])
            default: break
            }
        }
        if let reason = withoutTarget.first(where: { $0.key.lowercased() == lower })?.value {
            return .noPreview(reason: reason)
        }
        return .noPreview(reason: "b24 does not know which record \(canonical) changes")
    }
}
