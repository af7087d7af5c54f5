import Testing
import Linalg
import Recurrent
import TensorIO
@testable import Initializers

@Suite("Gate blocks and biases")
struct GateBlockTests {
    @Test(arguments: [CellFamily.lstm, .gru])
    func eachGateBlockGetsTheSpectrum(layout: CellFamily) throws {
        var rng = RandomStream(seed: 31)
        let h = 16
        let w = try InitSpec(kind: .gaussian, spectralRadius: 0.9).make(layout: layout, hidden: h, cols: h, rng: &rng)
        #expect(w.rows == layout.gateCount * h && w.cols == h)
        var blocks: [Matrix] = []
        for k in 0..<layout.gateCount {
            let b = try w.rows(k * h..<(k + 1) * h)
            #expect(abs(try b.spectralRadius() - 0.9) < 1e-10)
            blocks.append(b)
        }
        #expect(Set(blocks.map(\.elements)).count == layout.gateCount) // independent draws
    }

    @Test func orthogonalPerBlockAndRNNIsThePlainMatrix() throws {
        var a = RandomStream(seed: 32)
        let w = try InitSpec(kind: .orthogonal).make(layout: .lstm, hidden: 5, cols: 5, rng: &a)
        for k in 0..<4 {
            let q = try w.rows(k * 5..<(k + 1) * 5)
            #expect(try matmul(q, q, transA: .transpose).adding(.identity(5), scaledBy: -1).maxAbs < 1e-14)
        }
        var c = RandomStream(seed: 33), d = RandomStream(seed: 33)
        #expect(try InitSpec(kind: .xavierNormal).make(layout: .rnn, hidden: 4, cols: 3, rng: &c)
                    == InitSpec(kind: .xavierNormal).make(rows: 4, cols: 3, rng: &d))
    }

    @Test func lstmForgetBias() throws {
        var rng = RandomStream(seed: 34)
        let b = try InitSpec(kind: .pytorchDefault, forgetBias: 1).makeBias(layout: .lstm, hidden: 3, rng: &rng)
        #expect(b.count == 12 && Array(b[3..<6]) == [1, 1, 1])
        #expect(b.enumerated().allSatisfy { (3..<6).contains($0.offset) || abs($0.element) < 1 / 3.0.squareRoot() })
        let e = #expect(throws: InitError.self) { try InitSpec(kind: .zeros, forgetBias: 1).makeBias(layout: .gru, hidden: 3, rng: &rng) }
        #expect(e?.message == "forget_bias applies to LSTM biases only, not gru")
        let o = #expect(throws: InitError.self) { try InitSpec(kind: .orthogonal).makeBias(layout: .rnn, hidden: 3, rng: &rng) }
        #expect(o?.message.hasPrefix("kind 'orthogonal' does not apply to a bias vector") == true)

        var ih: [Double]? = [Double](repeating: 0.5, count: 8), hh: [Double]? = [Double](repeating: 0.25, count: 8)
        try InitSpec.applyForgetBias(1, hidden: 2, biasIH: &ih, biasHH: &hh)
        #expect(zip(ih!, hh!).map { $0 + $1 } == [0.75, 0.75, 1, 1, 0.75, 0.75, 0.75, 0.75])
        var none: [Double]? = nil
        try InitSpec.applyForgetBias(2, hidden: 2, biasIH: &none, biasHH: &hh)
        #expect(Array(hh![2..<4]) == [2, 2])
    }
}
