/// Tasks by name, for experiment files and the command line.
public enum TaskCatalog {
    /// Every task name, in documentation order.
    public static let names: [String] = [
        "adding-hochreiter1997", "adding-pascanu2013", "adding-arjovsky2016",
        "copy-memory", "temporal-order", "temporal-order-3bit", "multiplication",
        "random-permutation", "memorization", "sentiment", "flip-flop",
        "char-lm",
    ]

    /// Aliases accepted in place of a name.
    public static let aliases: [String: String] = ["adding-le2015": "adding-arjovsky2016"]

    /// The task called `name` with nominal sequence length `length` (ignored by "sentiment";
    /// "char-lm" on the built-in Dyck corpus — a file corpus comes through `TaskSpec.file`).
    /// Throws `TaskError.unknownTask` listing the known names, or a length / parameter error.
    public static func make(_ name: String, length: Int) throws -> any SequenceTask {
        switch aliases[name] ?? name {
        case "adding-hochreiter1997": try AddingProblem(variant: .hochreiter1997, length: length)
        case "adding-pascanu2013": try AddingProblem(variant: .pascanu2013, length: length)
        case "adding-arjovsky2016": try AddingProblem(variant: .arjovsky2016, length: length)
        case "copy-memory": try CopyMemory(length: length)
        case "temporal-order": try TemporalOrder(bits: 2, length: length)
        case "temporal-order-3bit": try TemporalOrder(bits: 3, length: length)
        case "multiplication": try MultiplicationProblem(length: length)
        case "random-permutation": try RandomPermutation(length: length)
        case "memorization": try Memorization(length: length)
        case "sentiment": SentimentCorpus()
        case "flip-flop": try FlipFlop(length: length)
        case "char-lm": try CharacterLM(dyck: DyckCorpus(), length: length)
        default: throw TaskError.unknownTask(name, known: names)
        }
    }
}
