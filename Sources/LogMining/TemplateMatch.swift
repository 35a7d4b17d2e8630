/// What adding one line did.
public struct TemplateMatch: Sendable, Hashable {
    /// The template the line now belongs to, after any generalisation this line caused.
    public var template: MinedTemplate
    /// The template's id before this line generalised it (its text changed), nil when unchanged or new.
    public var replaced: TemplateID?
    /// Ids of other templates that this line's generalisation folded into `template` (they are gone now).
    public var merged: [TemplateID]
    /// The line started a new template.
    public var isNew: Bool
    /// The miner's internal cluster, to ask later for the line's final template (`TemplateMiner.current(_:)`).
    let cluster: Int

    init(template: MinedTemplate, replaced: TemplateID?, merged: [TemplateID], isNew: Bool, cluster: Int) {
        self.template = template
        self.replaced = replaced
        self.merged = merged
        self.isNew = isNew
        self.cluster = cluster
    }
}
