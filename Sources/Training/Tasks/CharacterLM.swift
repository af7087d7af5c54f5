import Foundation
import Linalg

/// Next-character prediction (`task: {name: char-lm, length: T, file: corpus.txt}` or
/// `generator: dyck`): the input at step t is the one-hot code of character c_t, the target the
/// class of c_{t+1}, scored at every step with softmax cross-entropy (nats; bits per character =
/// loss / ln 2).
///
/// The corpus is split once: the first 90 % of its characters (Unicode scalars) train, the last
/// 10 % are held out. A training sequence is T + 1 consecutive characters starting at a uniform
/// offset in the training part; held-out sequences start in the held-out part
/// (`makeEvaluationBatch`). The vocabulary is the sorted set of the corpus's characters (class k =
/// the k-th), stated in the run's summary as `vocabulary_size` and stored with the trained model.
///
/// Baseline: the unigram cross-entropy of the held-out part under the training part's character
/// frequencies (the best input-free predictor for the held-out loss, up to the split); the held-out
/// loss the task reports is comparable to it. Never "solved" (`meanLossBelow(0)`): the run spends
/// its budget.
///
/// Limits: a file of at most `maxBytes` (16 MiB) of valid UTF-8, at most `maxVocabulary` (256)
/// distinct characters, and at least 2(T + 1) characters in the held-out part.
public struct CharacterLM: SequenceTask {
    public static let maxBytes = 16 << 20
    public static let maxVocabulary = 256

    public let nominalLength: Int
    /// The characters in class order.
    public let vocabulary: [Unicode.Scalar]
    /// Where the text came from: the file path or the generator's description.
    public let source: String
    private let training: [Int32], heldOut: [Int32]
    public let baselineLoss: Double

    public var name: String { "char-lm" }
    public var inputSize: Int { vocabulary.count }
    public var output: TaskOutput { .classification(classes: vocabulary.count) }
    public var scoredSteps: ScoredSteps { .all }
    public var criterion: SuccessCriterion { .meanLossBelow(0) }

    /// The task on a text; throws `TaskError.invalidParameter` for a text too short or too varied.
    public init(text: String, length: Int, source: String) throws {
        try requireLength("char-lm", length, atLeast: 1)
        let scalars = Array(text.unicodeScalars)
        let alphabet = Array(Set(scalars)).sorted { $0.value < $1.value }
        guard alphabet.count >= 2, alphabet.count <= Self.maxVocabulary else {
            throw TaskError.invalidParameter(task: "char-lm",
                detail: "\(source) has \(alphabet.count) distinct characters; the vocabulary must have 2 to \(Self.maxVocabulary)")
        }
        let split = scalars.count * 9 / 10
        guard scalars.count - split >= 2 * (length + 1) else {
            throw TaskError.invalidParameter(task: "char-lm",
                detail: "\(source) has \(scalars.count) characters; T = \(length) needs at least \(20 * (length + 1)) (10 % held out, two sequences of T + 1)")
        }
        let index = Dictionary(uniqueKeysWithValues: alphabet.enumerated().map { ($1, Int32($0)) })
        let classes = scalars.map { index[$0] ?? 0 }
        nominalLength = length
        vocabulary = alphabet
        self.source = source
        training = Array(classes[..<split])
        heldOut = Array(classes[split...])
        var counts = [Double](repeating: 0, count: alphabet.count)
        for c in training { counts[Int(c)] += 1 }
        // Held-out cross-entropy of the training unigram (add-one smoothed, so an unseen character costs a finite amount).
        let total = Double(training.count + alphabet.count)
        baselineLoss = heldOut.reduce(0.0) { $0 - Foundation.log((counts[Int($1)] + 1) / total) } / Double(heldOut.count)
    }

    /// The task on the built-in Dyck corpus.
    public init(dyck corpus: DyckCorpus, length: Int) throws {
        if let built = DyckTasks.shared.task(corpus, length) { self = built; return }
        try self.init(text: corpus.generate(), length: length, source: corpus.description)
        DyckTasks.shared.keep(self, corpus, length)
    }

    /// The task on a UTF-8 file, read within `maxBytes`.
    public init(file path: String, length: Int) throws {
        let url = URL(fileURLWithPath: path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
        guard let size else { throw TaskError.invalidParameter(task: "char-lm", detail: "cannot read the corpus file '\(path)'") }
        guard size <= Self.maxBytes else {
            throw TaskError.invalidParameter(task: "char-lm", detail: "the corpus file '\(path)' has \(size) bytes; the limit is \(Self.maxBytes)")
        }
        guard let data = try? Data(contentsOf: url) else {
            throw TaskError.invalidParameter(task: "char-lm", detail: "cannot read the corpus file '\(path)'")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TaskError.invalidParameter(task: "char-lm", detail: "the corpus file '\(path)' is not valid UTF-8")
        }
        try self.init(text: text, length: length, source: path)
    }

    public func makeBatch(batchSize: Int, rng: inout RandomStream) -> TaskBatch {
        batch(from: training, batchSize: batchSize, rng: &rng)
    }

    public func makeEvaluationBatch(batchSize: Int, rng: inout RandomStream) -> TaskBatch {
        batch(from: heldOut, batchSize: batchSize, rng: &rng)
    }

    private func batch(from text: [Int32], batchSize: Int, rng: inout RandomStream) -> TaskBatch {
        let t = nominalLength
        var batch = TaskBatch(zeroBatchSize: batchSize, length: t, inputSize: vocabulary.count, output: output)
        for b in 0..<batchSize {
            let start = rng.integer(below: text.count - t)
            for s in 0..<t {
                batch.setOneHot(b, s, Int(text[start + s]))
                batch.setClass(b, s, Int(text[start + s + 1]))
            }
        }
        return batch
    }

    /// The vocabulary as one string (class order), as stored with a trained model.
    public var vocabularyString: String {
        var s = ""
        s.unicodeScalars.append(contentsOf: vocabulary)
        return s
    }
}

/// Dyck tasks already built in this process, by (corpus, T): the configurations of a sweep and
/// `validate` (which builds every configuration's task) share one generated corpus instead of
/// generating and encoding 10⁵ characters each time (2.6 s of a debug build's 2.7 s validating
/// experiments/mitigations.yaml). The task is a value, so a kept one is the same task; at most 16 are kept.
private final class DyckTasks: @unchecked Sendable {
    static let shared = DyckTasks()
    private struct Key: Hashable { let corpus: DyckCorpus; let length: Int }
    private let lock = NSLock()
    private var tasks: [Key: CharacterLM] = [:]

    func task(_ corpus: DyckCorpus, _ length: Int) -> CharacterLM? {
        lock.withLock { tasks[Key(corpus: corpus, length: length)] }
    }

    func keep(_ task: CharacterLM, _ corpus: DyckCorpus, _ length: Int) {
        lock.withLock {
            if tasks.count >= 16 { tasks.removeAll() }
            tasks[Key(corpus: corpus, length: length)] = task
        }
    }
}
