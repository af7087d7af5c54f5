import Foundation
import Linalg

/// The toy sentiment corpus of the worked example (`../shared/reference/worked-example-sentiment.md`):
/// two sentences over fixed 3-dimensional word embeddings, a binary label read at each sentence's
/// last word through a sigmoid, binary cross-entropy.
///
/// - "i love this book its amazing" → 1 (6 words), "i hate this book" → 0 (4 words).
/// - A batch is always the whole corpus: B = 2, T = 6, D = 3. The shorter sentence is padded with
///   zero inputs after its last word; its loss is scored at its own last step (t = 3), so padding
///   cannot influence it. `batchSize` and the random stream are ignored; the held-out set is the corpus.
/// - Solved when both sentences are classified correctly (logit > 0 ⇔ label 1). Baseline (constant
///   probability 1/2): ln 2.
public struct SentimentCorpus: SequenceTask {
    /// Word embeddings of the worked example.
    public static let embeddings: [String: [Double]] = [
        "i": [0.1, 0.2, 0.3], "love": [0.4, 0.1, 0.5], "this": [0.3, 0.2, 0.1],
        "book": [0.6, 0.1, 0.4], "its": [0.1, 0.3, 0.6], "amazing": [0.5, 0.4, 0.2],
        "hate": [0.7, 0.8, 0.1],
    ]
    /// (sentence, label) pairs in corpus order.
    public static let sentences: [(words: [String], label: Int)] = [
        ("i love this book its amazing".split(separator: " ").map(String.init), 1),
        ("i hate this book".split(separator: " ").map(String.init), 0),
    ]

    public init() {}
    public var name: String { "sentiment" }
    public var nominalLength: Int { 6 }
    public var inputSize: Int { 3 }
    public var output: TaskOutput { .binary }
    public var scoredSteps: ScoredSteps { .last }
    public var criterion: SuccessCriterion { .allStepsCorrect(maxErrorRate: 0) }
    public var baselineLoss: Double { Foundation.log(2) }

    public func makeBatch(batchSize: Int, rng: inout RandomStream) -> TaskBatch { corpus }

    /// The whole corpus as one batch.
    public var corpus: TaskBatch {
        let sentences = SentimentCorpus.sentences
        var batch = TaskBatch(zeroBatchSize: sentences.count, length: nominalLength, inputSize: 3, output: .binary)
        for (b, sentence) in sentences.enumerated() {
            for (t, word) in sentence.words.enumerated() {
                for (d, v) in (SentimentCorpus.embeddings[word] ?? []).enumerated() { batch.setInput(b, t, d, v) }
            }
            batch.setClass(b, sentence.words.count - 1, sentence.label)
        }
        return batch
    }
}
