import Testing
import Foundation
import Linalg
import TensorIO
@testable import Initializers

@Suite("Kinds")
struct KindTests {
    /// One spec per kind that needs no file.
    static let specs: [InitSpec] = [
        InitSpec(kind: .gaussian, std: 0.3), InitSpec(kind: .gaussian, gain: 1.5), InitSpec(kind: .uniform, a: -2, b: 1),
        InitSpec(kind: .pytorchDefault), InitSpec(kind: .xavierUniform, gain: 2), InitSpec(kind: .xavierNormal),
        InitSpec(kind: .kaimingUniform, mode: .fanOut), InitSpec(kind: .kaimingNormal, nonlinearity: .tanh),
        InitSpec(kind: .orthogonal), InitSpec(kind: .sparse, nonzeros: 3), InitSpec(singularValues: .uniform(0.1, 2)),
        InitSpec(eigenvalueModuli: .uniform(0.5, 1)), InitSpec(kind: .gaussian, spectralRadius: 1.2),
    ]

    @Test(arguments: specs)
    func sameSeedIsBitIdenticalDifferentSeedsDiffer(spec: InitSpec) throws {
        var a = RandomStream(seed: 77), b = RandomStream(seed: 77), c = RandomStream(seed: 78)
        let wa = try spec.make(rows: 12, cols: 12, rng: &a)
        let wb = try spec.make(rows: 12, cols: 12, rng: &b)
        let wc = try spec.make(rows: 12, cols: 12, rng: &c)
        #expect(wa.elements.map(\.bitPattern) == wb.elements.map(\.bitPattern))
        #expect(wa != wc)
    }

    /// The drawn elements follow the distribution `elementDistribution` states (checked independently by moments).
    @Test(arguments: [InitSpec(kind: .gaussian, gain: 1.5), InitSpec(kind: .xavierNormal, gain: 0.7),
                      InitSpec(kind: .kaimingNormal, mode: .fanOut, nonlinearity: .relu), InitSpec(kind: .xavierUniform),
                      InitSpec(kind: .kaimingUniform), InitSpec(kind: .pytorchDefault), InitSpec(kind: .uniform, a: 1, b: 3)])
    func drawsFollowTheStatedDistribution(spec: InitSpec) throws {
        let rows = 300, cols = 200
        var rng = RandomStream(seed: 8)
        let x = try spec.make(rows: rows, cols: cols, rng: &rng).elements
        let n = Double(x.count)
        let mean = x.reduce(0, +) / n
        let sd = (x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
        let kind = try #require(spec.kind)
        switch try #require(spec.elementDistribution(kind, rows: rows, cols: cols)) {
        case let .normal(std):
            #expect(abs(mean) < 4 * std / n.squareRoot() && abs(sd / std - 1) < 0.01)
        case let .uniform(lo, hi):
            #expect(x.allSatisfy { $0 >= lo && $0 < hi })
            #expect(abs(mean - (lo + hi) / 2) < 4 * (hi - lo) / (12 * n).squareRoot())
            #expect(abs(sd / ((hi - lo) / 12.0.squareRoot()) - 1) < 0.01)
        }
    }

    @Test func gaussianGainIsCircularLawScaling() throws {
        let d = InitSpec(kind: .gaussian, gain: 2).elementDistribution(.gaussian, rows: 10, cols: 25)
        #expect(d == .normal(std: 2.0 / 5))
        #expect(InitSpec(kind: .gaussian).elementDistribution(.gaussian, rows: 3, cols: 4) == .normal(std: 0.5))
    }

    @Test func identityIsScaledEyeAlsoWhenNotSquare() throws {
        var rng = RandomStream(seed: 1)
        #expect(try InitSpec(kind: .identity, scale: 0.5).make(rows: 3, cols: 3, rng: &rng) == .identity(3, scale: 0.5))
        let wide = try InitSpec(kind: .identity).make(rows: 2, cols: 3, rng: &rng)
        #expect(wide == (try Matrix([[1, 0, 0], [0, 1, 0]])))
        #expect(try InitSpec(kind: .identity, gain: 3).make(rows: 2, cols: 2, rng: &rng) == .identity(2, scale: 3))
    }

    @Test func sparseHasExactlyKNonzerosPerRow() throws {
        var rng = RandomStream(seed: 2)
        let w = try InitSpec(kind: .sparse, std: 2, nonzeros: 4).make(rows: 50, cols: 10, rng: &rng)
        for i in 0..<50 { #expect(w.row(i).filter { $0 != 0 }.count == 4) }
        let columnsUsed = (0..<10).filter { j in w.column(j).contains { $0 != 0 } }.count
        #expect(columnsUsed == 10)
        let e = #expect(throws: InitError.self) { try InitSpec(kind: .sparse, nonzeros: 11).make(rows: 5, cols: 10, rng: &rng) }
        #expect(e?.message == "nonzeros 11 is more than the 10 columns of a 5×10 matrix; use nonzeros ≤ 10")
    }

    @Test func fileKindReadsANamedTensorAndChecksIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("init-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = try Matrix([[1, 2], [3, 4]])
        let path = dir.appendingPathComponent("m.safetensors").path
        try TensorArchive([("weight_hh_l0", Tensor(m)), ("bad", try Tensor(shape: [2, 2], values: [1, .nan, 0, 0]))]).save(path)
        var rng = RandomStream(seed: 1)
        #expect(try InitSpec(kind: .file, path: path, tensor: "weight_hh_l0").make(rows: 2, cols: 2, rng: &rng) == m)
        #expect(try InitSpec(kind: .file, path: path, tensor: "weight_hh_l0", spectralNorm: 1).make(rows: 2, cols: 2, rng: &rng)
                    .spectralNorm() - 1 < 1e-12)
        let shape = #expect(throws: InitError.self) { try InitSpec(kind: .file, path: path, tensor: "weight_hh_l0").make(rows: 3, cols: 3, rng: &rng) }
        #expect(shape?.message == "\(path): tensor 'weight_hh_l0' has shape (2, 2) but a 3×3 matrix is needed")
        let nan = #expect(throws: InitError.self) { try InitSpec(kind: .file, path: path, tensor: "bad").make(rows: 2, cols: 2, rng: &rng) }
        #expect(nan?.message == "\(path): tensor 'bad' has NaN at index (0, 1); weights must be finite")
        let which = #expect(throws: InitError.self) { try InitSpec(kind: .file, path: path).make(rows: 2, cols: 2, rng: &rng) }
        #expect(which?.message.contains("holds 2 tensors; choose one") == true)
    }
}
