import Foundation
import Linalg
import Recurrent

/// Text from a trained char-lm model (`gradlab sample`).
///
/// The model reads the prime (or, without one, starts from the zero state with no input), then
/// repeatedly: logits y of the last step, probabilities softmax(y/τ), the next character drawn from
/// them (the categorical inverse CDF of one uniform from `rng`), fed back as the next input. τ = 0 is
/// the argmax path (the first maximal class on ties), deterministic and independent of `rng`.
/// One step at a time on the model's state (h, or [h, c] for an LSTM), so N characters cost N steps.
public struct CharacterSampler {
    public let model: RecurrentModel
    public let vocabulary: [Unicode.Scalar]
    /// At most this many characters per call.
    public static let maxLength = 1_000_000

    public init(model: RecurrentModel, vocabulary: [Unicode.Scalar]) throws {
        guard !model.isStacked, model.inputSize == vocabulary.count, model.outputSize == vocabulary.count else {
            throw TrainingError("the model (\(model.inputSize) inputs, \(model.outputSize) outputs) does not fit a vocabulary of \(vocabulary.count) characters")
        }
        self.model = model
        self.vocabulary = vocabulary
    }

    /// `length` new characters after `prime` (returned without the prime).
    public func sample(length: Int, temperature: Double, prime: String = "", rng: inout RandomStream) throws -> String {
        guard length >= 0, length <= Self.maxLength else { throw TrainingError("--length must be in 0…\(Self.maxLength), got \(length)") }
        guard temperature >= 0, temperature.isFinite else { throw TrainingError("--temperature must be finite and ≥ 0, got \(temperature)") }
        let index = Dictionary(uniqueKeysWithValues: vocabulary.enumerated().map { ($1, $0) })
        var primeClasses: [Int] = []
        for c in prime.unicodeScalars {
            guard let k = index[c] else {
                throw TrainingError("the prime's character '\(c.escaped(asASCII: true))' is not in the model's vocabulary")
            }
            primeClasses.append(k)
        }
        let v = vocabulary.count
        var state = [Double](repeating: 0, count: model.stateSize)
        var logits = [Double](repeating: 0, count: v)
        for k in primeClasses { logits = try step(k, &state) }
        var out = String.UnicodeScalarView()
        var probabilities = [Double](repeating: 0, count: v)
        for i in 0..<length {
            // Without a prime the first character comes from the zero state fed a zero input.
            if i == 0 && primeClasses.isEmpty { logits = try step(nil, &state) }
            let next = choose(logits, temperature: temperature, probabilities: &probabilities, rng: &rng)
            out.append(vocabulary[next])
            if i + 1 < length { logits = try step(next, &state) }
        }
        return String(out)
    }

    /// Feeds one-hot class `k` (or zeros) from `state`; returns the logits and updates the state.
    func step(_ k: Int?, _ state: inout [Double]) throws -> [Double] {
        var x = [Double](repeating: 0, count: vocabulary.count)
        if let k { x[k] = 1 }
        let pass = try model.forward(try SequenceBatch(steps: 1, batchSize: 1, featureSize: x.count, timeMajor: x), outputs: .last,
                                     initialState: state)
        let h = model.hiddenSize
        for j in 0..<h { state[j] = pass.hidden[j] }
        if let c = pass.cell { for j in 0..<h { state[h + j] = c[j] } }
        return pass.outputs
    }

    /// The next class: argmax at τ = 0, else a draw from softmax(y/τ).
    func choose(_ y: [Double], temperature: Double, probabilities p: inout [Double], rng: inout RandomStream) -> Int {
        var best = 0
        for k in y.indices where y[k] > y[best] { best = k }
        if temperature == 0 { return best }
        var total = 0.0
        for k in y.indices { p[k] = Foundation.exp((y[k] - y[best]) / temperature); total += p[k] }
        var u = rng.uniform() * total
        for k in y.indices {
            u -= p[k]
            if u < 0 { return k }
        }
        return best
    }
}
