/// A template as mined so far: its text (tokens joined by `" "`, variables as `<*>`), its stable id and how many
/// lines it has taken.
public struct MinedTemplate: Sendable, Hashable, Codable {
    public var id: TemplateID
    public var text: String
    public var count: Int

    public init(id: TemplateID, text: String, count: Int) {
        self.id = id
        self.text = text
        self.count = count
    }

    public init(text: String, count: Int) {
        self.init(id: TemplateID(templateText: text), text: text, count: count)
    }
}
