import Testing
import Foundation
import Linalg
import TensorIO
@testable import Initializers

@Suite("Spectrum report")
struct SpectrumReportTests {
    /// W = [[0, 2], [−0.5, 0]]: λ = ±i, σ = (2, 0.5), WᵀW = diag(0.25, 4), all by hand.
    @Test func closedFormTwoByTwo() throws {
        let r = try SpectrumReport(Matrix([[0, 2], [-0.5, 0]]))
        #expect(abs(r.spectralRadius! - 1) < 1e-15)
        #expect(r.eigenvalues.map(\.imaginary).sorted() == [-1, 1] && r.eigenvalues.allSatisfy { $0.real == 0 })
        #expect(abs(r.sigmaMax - 2) < 1e-15 && abs(r.sigmaMin - 0.5) < 1e-15 && abs(r.conditionNumber - 4) < 1e-14)
        #expect(abs(r.frobeniusNorm - 4.25.squareRoot()) < 1e-15)
        #expect(abs(r.orthogonalityDefect - (0.75 * 0.75 + 9).squareRoot()) < 1e-14)
    }

    /// Found by the fuzz suite: a .npy header declaring shape (0, 2⁶¹) holds no data, loads, and made
    /// inspect trap building a 2⁶¹×2⁶¹ identity. Empty and too-wide matrices are refused first.
    @Test func emptyAndTooWideMatricesAreRefusedBeforeAllocating() throws {
        let archive = TensorArchive([("e", try Tensor(shape: [0, 1 << 61], values: [])),
                                     ("wide", try Tensor(shape: [1, TensorSpectrumReport.maxColumns + 1],
                                                         values: [Double](repeating: 1, count: TensorSpectrumReport.maxColumns + 1)))])
        let empty = #expect(throws: TensorIOError.self) { try TensorSpectrumReport(name: "e", archive: archive, file: "m.npz") }
        #expect(empty?.description == "m.npz: tensor 'e' of shape (0, 2305843009213693952) is empty: no spectrum to report")
        let wide = #expect(throws: TensorIOError.self) { try TensorSpectrumReport(name: "wide", archive: archive, file: "m.npz") }
        #expect(wide?.problem.hasPrefix("tensor 'wide' of shape (1, 16385) has more than 16384 columns") == true)
    }

    @Test func singularMatrixHasInfiniteConditionAndWideHasNoEigenvalues() throws {
        let r = try SpectrumReport(Matrix([[1, 0], [0, 0]]))
        #expect(r.conditionNumber == .infinity)
        let wide = try SpectrumReport(Matrix([[1, 0, 0], [0, 2, 0]]))
        #expect(wide.spectralRadius == nil && wide.eigenvalues.isEmpty && wide.singularValues == [2, 1])
    }

    @Test func quarterCircleForGaussianOnly() throws {
        var rng = RandomStream(seed: 41)
        let g = try InitSpec(kind: .gaussian).make(rows: 200, cols: 200, rng: &rng)
        let r = try SpectrumReport(g)
        let radius = try #require(r.quarterCircleRadius)
        #expect(abs(radius - 2) < 0.05)
        // Uniform entries (kurtosis 1.8) and a sparse matrix do not look Gaussian.
        #expect(try SpectrumReport(InitSpec(kind: .pytorchDefault).make(rows: 200, cols: 200, rng: &rng)).quarterCircleRadius == nil)
        #expect(try SpectrumReport(InitSpec(kind: .sparse, nonzeros: 5).make(rows: 200, cols: 200, rng: &rng)).quarterCircleRadius == nil)
    }

    @Test func reportsEveryMatrixOfAFileOrOne() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("reports-\(UUID().uuidString).npz").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try TensorArchive([("a", Tensor(try Matrix([[2]]))), ("v", Tensor([1, 2])), ("b", Tensor(.identity(3)))]).save(path)
        #expect(try TensorSpectrumReport.reports(file: path).map(\.name) == ["a", "b"])
        #expect(try TensorSpectrumReport.reports(file: path, tensor: "b").map { $0.whole.singularValues } == [[1, 1, 1]])
        let vectors = path.replacingOccurrences(of: ".npz", with: "-v.npz")
        defer { try? FileManager.default.removeItem(atPath: vectors) }
        try TensorArchive([("v", Tensor([1, 2]))]).save(vectors)
        let e = #expect(throws: TensorIOError.self) { try TensorSpectrumReport.reports(file: vectors) }
        #expect(e?.description == "\(vectors): has no matrix (rank-2) tensor; its tensors are 'v' (2,)")
    }

    @Test func gateBlocksFromMetadataOrShape() throws {
        var rng = RandomStream(seed: 42)
        let w = try InitSpec(kind: .orthogonal).make(layout: .lstm, hidden: 4, cols: 4, rng: &rng)
        let a = TensorArchive([("weight_hh_l0", Tensor(w))], metadata: ["cell": "lstm"])
        let r = try TensorSpectrumReport(name: "weight_hh_l0", archive: a, file: "m.safetensors")
        #expect(r.layout == .lstm && r.gates.map(\.name) == ["i", "f", "g", "o"])
        #expect(r.gates.allSatisfy { $0.report.orthogonalityDefect < 1e-14 })
        let inferred = try TensorSpectrumReport(name: "weight_hh_l0", archive: TensorArchive([("weight_hh_l0", Tensor(w))]), file: "m.npz")
        #expect(inferred.layout == .lstm)
        let wrong = TensorArchive([("weight_hh_l0", Tensor(w))], metadata: ["cell": "gru"])
        let e = #expect(throws: InitError.self) { try TensorSpectrumReport(name: "weight_hh_l0", archive: wrong, file: "m.safetensors") }
        #expect(e?.message == "m.safetensors: tensor 'weight_hh_l0' is 16×4 but a gru weight_hh is 3·H×H")
    }
}
