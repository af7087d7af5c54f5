import Foundation
import Linalg
import Recurrent
import Testing
@testable import Training

@Suite struct CharacterLMTests {
    /// k = 2, D = 8, q = 1/2: π = (1, 2, …, 2, 1)/16, so H∞ = (ln 2 + 14·1.5 ln 2)/16 = 1.375 bits,
    /// the depth-only model 1.875 bits and the unigram 2 bits per character (closed forms).
    @Test func dyckEntropiesClosedForm() {
        let corpus = DyckCorpus()
        let pi = corpus.depthDistribution
        #expect(abs(pi[0] - 1.0 / 16) < 1e-15 && abs(pi[4] - 2.0 / 16) < 1e-15 && abs(pi[8] - 1.0 / 16) < 1e-15)
        #expect(abs(corpus.entropyRate / log(2) - 1.375) < 1e-14)
        #expect(abs(corpus.depthOnlyEntropy / log(2) - 1.875) < 1e-14)
        #expect(abs(corpus.unigramEntropy / log(2) - 2) < 1e-15)
    }

    /// The generated text is a Dyck word prefix (every closer matches the last open bracket, depth ≤ D),
    /// its depth occupancy matches π (χ²-style: each |freq − π| below 5 standard errors of a run with
    /// correlation time ~D², here 0.01), and the mean per-step entropy along the text matches H∞.
    @Test func dyckTextFollowsTheChain() {
        let corpus = DyckCorpus(characters: 200_000)
        let text = Array(corpus.generate())
        #expect(text.count == 200_000)
        var stack: [Int] = [], occupancy = [Double](repeating: 0, count: 9), entropy = 0.0
        let kinds = log(2.0)
        for c in text {
            let d = stack.count
            occupancy[d] += 1
            entropy += d == 0 ? kinds : d == 8 ? 0 : log(2.0) + 0.5 * kinds
            if let open = DyckCorpus.openers.firstIndex(of: c) {
                stack.append(open)
            } else {
                let close = DyckCorpus.closers.firstIndex(of: c)
                #expect(close != nil && close == stack.popLast())
            }
            #expect(stack.count <= 8)
        }
        for (d, count) in occupancy.enumerated() { #expect(abs(count / 200_000 - corpus.depthDistribution[d]) < 0.01) }
        #expect(abs(entropy / 200_000 - corpus.entropyRate) < 0.01)
    }

    @Test func batchesAreNextCharacter() throws {
        let text = String(repeating: "abcab", count: 100)
        let task = try CharacterLM(text: text, length: 4, source: "test")
        #expect(task.vocabularyString == "abc" && task.inputSize == 3 && task.output == .classification(classes: 3))
        var rng = RandomStream(seed: 1)
        let batch = task.makeBatch(batchSize: 5, rng: &rng)
        guard case .classes(let classes) = batch.targets else { Issue.record("class targets expected"); return }
        for b in 0..<5 {
            for t in 0..<4 {
                let input = (0..<3).first { batch.inputs[(b * 4 + t) * 3 + $0] == 1 } ?? -1
                // The text cycles a b c a b: after class c comes the next of the cycle.
                let next: [Int: Set<Int>] = [0: [1], 1: [2, 0], 2: [0]]
                #expect(next[input]?.contains(classes[b * 4 + t]) == true)
            }
        }
        #expect(batch.lossMask.allSatisfy { $0 })
        // Baseline: held-out (last 50 characters: a 20, b 20, c 10) cross-entropy under the training
        // part's add-one unigram (a 180, b 180, c 90 of 450; denominator 453).
        let expected = -(40 * log(181.0 / 453) + 10 * log(91.0 / 453)) / 50
        #expect(abs(task.baselineLoss - expected) < 1e-15)
    }

    @Test func badCorpora() throws {
        #expect(throws: TaskError.self) { try CharacterLM(text: "aaaa", length: 2, source: "x") }
        #expect(throws: TaskError.self) { try CharacterLM(text: "ab", length: 10, source: "x") }
        let many = String(String.UnicodeScalarView((0..<300).compactMap { Unicode.Scalar(0x100 + $0) }))
        #expect(throws: TaskError.self) { try CharacterLM(text: String(repeating: many, count: 10), length: 2, source: "x") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("charlm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.txt")
        try Data([0x61, 0xff, 0xfe, 0x62]).write(to: bad)
        #expect(throws: TaskError.invalidParameter(task: "char-lm", detail: "the corpus file '\(bad.path)' is not valid UTF-8")) {
            try CharacterLM(file: bad.path, length: 2)
        }
        #expect(throws: TaskError.self) { try CharacterLM(file: dir.appendingPathComponent("missing.txt").path, length: 2) }
        #expect(throws: TaskError.self) { try TaskSpec(name: "char-lm", length: 5, generator: "zipf").make() }
        #expect(throws: TaskError.self) { try TaskSpec(name: "copy-memory", length: 5, generator: "dyck").make() }
    }

    /// τ = 0 is the argmax path: each generated character is the argmax of the model's logits over the
    /// whole prefix (a full forward pass, independent of the sampler's stepping), whatever the seed.
    @Test func zeroTemperatureIsArgmax() throws {
        let vocabulary = Array("()[]".unicodeScalars)
        var rng = RandomStream(seed: 3, stream: 1)
        let model = try RecurrentModel.initialized(cell: .rnn(.tanh), inputSize: 4, hiddenSize: 6, headSize: 4, rng: &rng)
        let sampler = try CharacterSampler(model: model, vocabulary: vocabulary)
        var a = RandomStream(seed: 1), b = RandomStream(seed: 2)
        let text = try sampler.sample(length: 30, temperature: 0, prime: "([", rng: &a)
        #expect(text == (try sampler.sample(length: 30, temperature: 0, prime: "([", rng: &b)))
        let full = Array("([".unicodeScalars) + Array(text.unicodeScalars)
        for i in 2..<full.count {
            var x = [Double](repeating: 0, count: i * 4)
            for t in 0..<i { x[t * 4 + (vocabulary.firstIndex(of: full[t]) ?? 0)] = 1 }
            let pass = try model.forward(try SequenceBatch(steps: i, batchSize: 1, featureSize: 4, timeMajor: x), outputs: .last)
            let best = (0..<4).max { pass.outputs[$0] < pass.outputs[$1] } ?? -1
            #expect(vocabulary[best] == full[i])
        }
        // τ > 0 draws from the stream; a tiny τ is the argmax path too.
        var c = RandomStream(seed: 1)
        #expect(try sampler.sample(length: 30, temperature: 1e-6, prime: "([", rng: &c) == text)
        #expect(throws: TrainingError.self) { try sampler.sample(length: 3, temperature: 0, prime: "x", rng: &c) }
    }

    /// A small tanh RNN on the Dyck corpus beats the unigram baseline within 300 iterations and samples
    /// text of its vocabulary.
    @Test func tinyRunTrainsAndSamples() throws {
        let task = try CharacterLM(dyck: DyckCorpus(characters: 20_000), length: 20)
        var config = TrainingConfiguration(task: task, optimizer: try Adam(learningRate: 0.01))
        config.iterations = 300
        config.evaluationInterval = 100
        config.evaluationBatches = 2
        config.batchSize = 16
        config.clipping = .globalNorm(maxNorm: 1, nonFinite: .skipStep)
        var rng = RandomStream(seed: 7, stream: 1)
        let model = try RecurrentModel.initialized(cell: .rnn(.tanh), inputSize: 4, hiddenSize: 16, headSize: 4, rng: &rng)
        let result = try train(model, config, rng: RandomStream(seed: 1))
        #expect(result.iterations == 300 && !result.solved)
        #expect(result.finalEvalLoss < task.baselineLoss - 0.1, "held-out \(result.finalEvalLoss / log(2)) bits vs unigram \(task.baselineLoss / log(2))")
        let sampler = try CharacterSampler(model: result.model, vocabulary: task.vocabulary)
        var s = RandomStream(seed: 4)
        let text = try sampler.sample(length: 100, temperature: 0.8, rng: &s)
        #expect(text.unicodeScalars.count == 100 && text.unicodeScalars.allSatisfy { task.vocabulary.contains($0) })
    }
}
