import Testing
import Foundation
import Linalg
import Recurrent
@testable import Diagnostics

/// A fixture of scripts/make_lyapunov_fixtures.py: a model, the run's inputs and s_0, and the spectrum
/// of each direction's stack computed in NumPy/torch (own forward pass, own Jacobians, own QR loop).
private struct LyapunovFixture: Decodable {
    struct Tensor: Decodable { let shape: [Int]; let data: [Double] }
    struct Direction: Decodable {
        let direction: String, exponents: [Double], mean_log_abs_det: Double
        /// Per exponent: how far it moves when every J_t is perturbed by relative round-off (1e-15).
        let round_off_sensitivity: [Double]
    }
    let name: String, cell: String, layers: Int, bidirectional: Bool, input_size: Int, hidden_size: Int
    let transient: Int, steps: Int
    let parameters: [String: Tensor]
    let inputs: [[Double]]
    let initial_states: [[Double]]
    let directions: [Direction]

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/Lyapunov").standardized

    static func load(_ name: String) throws -> LyapunovFixture {
        try JSONDecoder().decode(LyapunovFixture.self, from: Data(contentsOf: directory.appendingPathComponent(name + ".json")))
    }

    func model() throws -> RecurrentModel {
        let kind: CellKind = cell == "lstm" ? .lstm : cell == "gru" ? .gru : .rnn(.tanh)
        let names = ParameterName.stateDictOrder(layers: layers, bidirectional: bidirectional).filter { parameters[$0] != nil }
        let pairs = try names.map { n -> (String, Matrix) in
            let t = parameters[n]!
            return (n, try Matrix(rows: t.shape[0], cols: t.shape.count > 1 ? t.shape[1] : 1, elements: t.data))
        }
        return try RecurrentModel(cell: kind, parameters: ParameterSet(pairs))
    }

    func options() throws -> DiagnosisOptions {
        var o = DiagnosisOptions(lyapunovCount: 1_000, lyapunovSteps: steps, lyapunovTransient: transient)
        o.inputs = try Matrix(rows: inputs.count, cols: input_size, elements: inputs.flatMap { $0 })
        o.inputName = name
        return o
    }
}

/// A vanilla cell layer's weights as PyTorch names, for hand-built models.
private func layer(_ l: Int, wih: Matrix, whh: Matrix, bias: [Double]) -> [(String, Matrix)] {
    [(ParameterName.weightIH(layer: l), wih), (ParameterName.weightHH(layer: l), whh),
     (ParameterName.biasIH(layer: l), try! Matrix(rows: bias.count, cols: 1, elements: bias))]
}

@Suite("Lyapunov spectra of stacked models")
struct StackedLyapunovTests {
    /// GradLab's spectrum of each direction's stack equals the independent NumPy/torch Benettin run to
    /// 1e-8 nats/step (the 2-layer tanh stack: 1e-8 flat; elsewhere 1e-8 plus 10× the exponent's measured
    /// round-off sensitivity: the last pair of the GRU's forward stack moves by 3e-7 under a 1e-15
    /// relative perturbation of the Jacobians, so no implementation agrees beyond that), and Σλ equals
    /// the oracle's mean Σ_ℓ ln|det J_t^ℓℓ| to 1e-10 (the block-triangular identity).
    @Test(arguments: ["rnn-tanh-L2", "lstm-L2", "gru-L2-bi"])
    func spectrumMatchesTheIndependentQRComputation(name: String) throws {
        let fixture = try LyapunovFixture.load(name)
        var rng = RandomStream(seed: 0)
        let run = try ModelLyapunov(model: fixture.model(), initialStates: fixture.initial_states, options: fixture.options(), rng: &rng)
        #expect(run.directions.count == fixture.directions.count)
        #expect(run.drive == .sequence(name: name, length: fixture.transient + fixture.steps))
        for (got, want) in zip(run.directions, fixture.directions) {
            #expect(got.reverse == (want.direction == "reverse"))
            #expect(got.spectrum.exponents.count == want.exponents.count)
            #expect(got.spectrum.negativeInfiniteCount == 0 && got.spectrum.measuredSteps == fixture.steps)
            for (i, (g, w)) in zip(got.spectrum.exponents, want.exponents).enumerated() {
                let tolerance = name == "rnn-tanh-L2" ? 1e-8 : 1e-8 + 10 * want.round_off_sensitivity[i]
                #expect(abs(g - w) < tolerance, "\(name) \(want.direction) λ_\(i + 1): \(g) vs \(w)")
            }
            let sum = got.spectrum.exponents.reduce(0, +)
            #expect(abs(sum - want.mean_log_abs_det) < 1e-10, "\(name) \(want.direction): Σλ = \(sum), mean ln|det J| = \(want.mean_log_abs_det)")
        }
    }

    /// The stacked map's Jacobian against central differences of its own step (LSTM and GRU, both
    /// directions of a 2-layer bidirectional model): the cross-layer blocks are the chain rule's.
    @Test(arguments: [CellKind.lstm, .gru, .rnn(.tanh)])
    func stackedJacobianMatchesFiniteDifferences(cell: CellKind) throws {
        var rng = RandomStream(seed: 3)
        let model = try RecurrentModel.initialized(cell: cell, inputSize: 3, hiddenSize: 4, headSize: nil, layers: 2, bidirectional: true, rng: &rng)
        for reverse in [false, true] {
            let map = try model.stackedMap(reverse: reverse)
            let n = map.stateSize
            let s = rng.normals(n), x = rng.normals(map.inputSize)
            var ws = map.makeWorkspace()
            var j = [Double](repeating: 0, count: n * n), plus = [Double](repeating: 0, count: n), minus = plus
            map.jacobian(s, x, into: &j, workspace: &ws)
            let eps = 1e-6
            var worst = 0.0
            for b in 0..<n {
                var sp = s, sm = s
                sp[b] += eps; sm[b] -= eps
                map.step(sp, x, into: &plus, workspace: &ws)
                map.step(sm, x, into: &minus, workspace: &ws)
                for a in 0..<n { worst = max(worst, abs((plus[a] - minus[a]) / (2 * eps) - j[a * n + b])) }
            }
            #expect(worst < 1e-8, "\(cell) reverse=\(reverse): max |J − FD| = \(worst)")
            // Block lower-triangular: layer 0 does not depend on layer 1.
            let ls = model.stateSize
            #expect((0..<ls).allSatisfy { a in (ls..<n).allSatisfy { j[a * n + $0] == 0 } })
        }
    }

    /// A one-layer model: `ModelLyapunov` (a one-layer `StackedMap`) and `Diagnosis` (the cell itself)
    /// draw the same s_0, noise and Q_0 from the same stream, and agree to round-off.
    @Test func oneLayerAgreesWithTheSingleLayerDiagnosis() throws {
        var rng = RandomStream(seed: 9)
        let model = try RecurrentModel.initialized(cell: .gru, inputSize: 2, hiddenSize: 6, headSize: nil, rng: &rng)
        let o = DiagnosisOptions(steps: 20, input: .gaussian(std: 0.7), lyapunovCount: 4, lyapunovSteps: 300, lyapunovTransient: 20)
        let seed = RandomStream(seed: 5)
        let diagnosis = try Diagnosis(map: model.makeCell(), theory: TheoryInputs(), options: o, rng: seed)
        let run = try ModelLyapunov(model: model, options: o, rng: seed.split("lyapunov"))
        #expect(diagnosis.lyapunov.count == 4)
        for (a, b) in zip(diagnosis.lyapunov, run.directions[0].spectrum.exponents) { #expect(abs(a - b) < 1e-12) }
        #expect(diagnosis.lyapunovDrive == .noise(std: 0.7) && run.drive == .noise(std: 0.7))
    }

    /// --input drives the run: the single-layer diagnosis's exponents equal a run on the sequence cycled
    /// by hand, and differ from the autonomous run.
    @Test func givenInputsDriveTheRunCycled() throws {
        var rng = RandomStream(seed: 11)
        let model = try RecurrentModel.initialized(cell: .rnn(.tanh), inputSize: 2, hiddenSize: 5, headSize: nil, rng: &rng)
        let x = rng.normalMatrix(rows: 7, cols: 2, std: 2)
        var o = DiagnosisOptions(steps: 7, lyapunovCount: 5, lyapunovSteps: 40, lyapunovTransient: 3)
        o.inputs = x
        o.inputName = "x.npy"
        let seed = RandomStream(seed: 1)
        let driven = try Diagnosis(map: model.makeCell(), theory: TheoryInputs(), options: o, rng: seed)
        var cycled = Matrix(rows: 43, cols: 2)
        for t in 0..<43 { for i in 0..<2 { cycled[t, i] = x[t % 7, i] } }
        var lo = LyapunovOptions(count: 5, steps: 40, transient: 3)
        lo.inputs = cycled
        var lyapRng = seed.split("lyapunov")
        let byHand = try LyapunovSpectrum(map: model.makeCell(), options: lo, rng: &lyapRng)
        #expect(driven.lyapunov == byHand.exponents)
        o.inputs = nil
        let autonomous = try Diagnosis(map: model.makeCell(), theory: TheoryInputs(), options: o, rng: seed)
        #expect(autonomous.lyapunov != driven.lyapunov)
        #expect(driven.lyapunovDrive?.description(runSteps: driven.lyapunovRunSteps) == "driven by x.npy (T = 7, cycled over the 43 steps of the run)")
        #expect(autonomous.lyapunovDrive == .autonomous)
        #expect(driven.textReport(title: "t").contains("driven by x.npy"))
    }

    /// ReLU with k units dead by construction (zero weights, bias −1) and the others linear (bias +5,
    /// small weights): exactly k exponents are −∞, at every measured step, and the rest are
    /// ln|eigenvalues| of the live block of W_hh (the live dynamics are linear).
    @Test(arguments: [1, 3])
    func deadReluUnitsGiveNegativeInfinity(dead k: Int) throws {
        let h = 6, live = h - k
        var rng = RandomStream(seed: 21)
        // Non-negative W_hh with ρ < 1: the live units' fixed point is positive, so they never die.
        var whh = rng.normalMatrix(rows: h, cols: h, std: 0.5 / Double(h).squareRoot())
        for a in 0..<h { for b in 0..<h { whh[a, b] = abs(whh[a, b]) } }
        var wih = rng.normalMatrix(rows: h, cols: 2, std: 0.1)
        for a in 0..<k { for b in 0..<h { whh[a, b] = 0 }; for b in 0..<2 { wih[a, b] = 0 } }
        let bias = (0..<h).map { $0 < k ? -1.0 : 5.0 }
        let model = try RecurrentModel(cell: .rnn(.relu), parameters: ParameterSet(layer(0, wih: wih, whh: whh, bias: bias)))
        let o = DiagnosisOptions(steps: 10, input: .gaussian(std: 0.1), lyapunovCount: h, lyapunovSteps: 3000, lyapunovTransient: 50)
        let d = try Diagnosis(map: model.makeCell(), theory: TheoryInputs(), options: o, rng: RandomStream(seed: 2))
        let spectrum = try #require(d.lyapunovSpectrum)
        #expect(spectrum.negativeInfiniteCount == k)
        #expect(Array(spectrum.exponents.suffix(k)) == [Double](repeating: -.infinity, count: k))
        #expect(Array(spectrum.singularSteps.suffix(k)) == [Int](repeating: 3000, count: k))
        #expect(spectrum.singularSteps.prefix(live).allSatisfy { $0 == 0 })
        var block = Matrix(rows: live, cols: live)
        for a in 0..<live { for b in 0..<live { block[a, b] = whh[k + a, k + b] } }
        let expected = try block.eigenvalues().map { Foundation.log($0.length) }.sorted(by: >)
        for (got, want) in zip(spectrum.exponents, expected) { #expect(abs(got - want) < 2e-3, "\(got) vs \(want)") }
        let text = d.textReport(title: "relu")
        #expect(text.contains("\(k) exponent\(k == 1 ? " is" : "s are") −∞"))
        #expect(!text.contains("nan"))
    }

    /// A 2-layer ReLU stack with k dead units in layer 1: the stacked system has exactly k −∞ exponents.
    @Test func deadUnitsInAnUpperLayerOfAStack() throws {
        let h = 5, k = 2
        var rng = RandomStream(seed: 4)
        // Non-negative weights (ρ < 1) and positive biases keep the live units' pre-activations positive.
        func positive(_ m: Matrix) -> Matrix { var m = m; for a in 0..<m.rows { for b in 0..<m.cols { m[a, b] = abs(m[a, b]) } }; return m }
        let w0 = positive(rng.normalMatrix(rows: h, cols: h, std: 0.15)), u0 = positive(rng.normalMatrix(rows: h, cols: 2, std: 0.1))
        var w1 = positive(rng.normalMatrix(rows: h, cols: h, std: 0.15)), u1 = positive(rng.normalMatrix(rows: h, cols: h, std: 0.1))
        for a in 0..<k { for b in 0..<h { w1[a, b] = 0; u1[a, b] = 0 } }
        let b0 = [Double](repeating: 5, count: h), b1 = (0..<h).map { $0 < k ? -1.0 : 5.0 }
        let model = try RecurrentModel(cell: .rnn(.relu), parameters: ParameterSet(layer(0, wih: u0, whh: w0, bias: b0) + layer(1, wih: u1, whh: w1, bias: b1)))
        let o = DiagnosisOptions(input: .gaussian(std: 0.2), lyapunovCount: 2 * h, lyapunovSteps: 500, lyapunovTransient: 20)
        let run = try ModelLyapunov(model: model, options: o, rng: RandomStream(seed: 1))
        #expect(run.negativeInfiniteCount == k)
        #expect(run.directions[0].spectrum.exponents.filter(\.isFinite).count == 2 * h - k)
    }

    /// tanh′ rounded to 0: a unit whose pre-activation is about 40 has tanh(z) == 1 and 1 − tanh² == 0
    /// exactly; its direction is −∞, not a round-off value near −36.
    @Test func saturatedTanhIsNegativeInfinity() throws {
        let h = 4
        var rng = RandomStream(seed: 8)
        var whh = rng.normalMatrix(rows: h, cols: h, std: 0.3)
        for b in 0..<h { whh[0, b] = 0 }
        let model = try RecurrentModel(cell: .rnn(.tanh), parameters: ParameterSet(layer(0, wih: Matrix(rows: h, cols: 1), whh: whh, bias: [40, 0, 0, 0])))
        let o = DiagnosisOptions(lyapunovCount: h, lyapunovSteps: 200, lyapunovTransient: 5)
        let d = try Diagnosis(map: model.makeCell(), theory: TheoryInputs(), options: o, rng: RandomStream(seed: 3))
        #expect(d.lyapunovSpectrum?.negativeInfiniteCount == 1)
        #expect(d.lyapunov.last == -.infinity && d.lyapunov.dropLast().allSatisfy { $0.isFinite && $0 > -10 })
    }

    /// A bidirectional run keeps its whole sequence; a run too long for memory is refused before allocating
    /// (and step counts near Int.max before any sum can overflow).
    @Test func overlongBidirectionalRunsAreRefused() throws {
        var rng = RandomStream(seed: 2)
        let model = try RecurrentModel.initialized(cell: .gru, inputSize: 3, hiddenSize: 4, headSize: nil, bidirectional: true, rng: &rng)
        for steps in [100_000_000, Int.max / 2] {
            let o = DiagnosisOptions(lyapunovCount: 2, lyapunovSteps: steps, lyapunovTransient: 10)
            #expect { try ModelLyapunov(model: model, options: o, rng: RandomStream(seed: 1)) } throws: {
                "\($0)".contains(steps == 100_000_000 ? "lower --lyapunov-steps" : "--lyapunov-steps and --lyapunov-transient must each be at most")
            }
        }
    }

    /// A diverging linear map stops the run at the first non-finite step; no NaN is returned.
    @Test func nonfiniteRunsStopWithoutNaN() throws {
        let map = TestMap(w: .diagonal([1e30, 2, 0.5]), u: Matrix(rows: 3, cols: 1), phi: .linear)
        var rng = RandomStream(seed: 1)
        let spectrum = try LyapunovSpectrum(map: map, options: .init(count: 3, steps: 100, transient: 2), rng: &rng)
        #expect(spectrum.nonfiniteStep != nil)
        #expect(spectrum.exponents.allSatisfy { !$0.isNaN })
        #expect(LyapunovText.caveats(spectrum).contains { $0.contains("non-finite") })
    }
}
