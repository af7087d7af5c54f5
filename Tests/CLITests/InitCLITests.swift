import Testing
import Foundation
import Linalg
import TensorIO
import Initializers
@testable import gradlab

/// `gradlab init` / `gradlab inspect` parsing, files written, and messages.
@Suite("init and inspect commands")
struct InitCLITests {
    static func temporaryDirectory() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("initcli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    @Test func initWritesTheSameMatrixAsTheLibrary() throws {
        let dir = try InitCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("W.npy").path
        let cmd = try #require(try GradLab.parseAsRoot(["init", "--kind", "orthogonal", "--gain", "2", "--size", "5", "--seed", "7", "-o", path]) as? InitCommand)
        try cmd.run()
        let w = try TensorArchive.load(path).tensor(named: nil, file: path).matrix()
        var rng = RandomStream(seed: 7, stream: 0)
        #expect(w == (try InitSpec(kind: .orthogonal, gain: 2).make(rows: 5, cols: 5, rng: &rng)))
    }

    @Test func intoAddsAGatedTensorAndCellMetadata() throws {
        let dir = try InitCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.safetensors").path
        try TensorArchive([("bias_hh_l0", Tensor([1, 2, 3]))]).save(model)
        let cmd = try #require(try GradLab.parseAsRoot(["init", "--eigenvalue-moduli", "constant(0.9)", "--size", "4", "--cell", "gru",
                                                            "--into", model, "--tensor", "weight_hh_l0"]) as? InitCommand)
        try cmd.run()
        let a = try TensorArchive.load(model)
        #expect(a.names == ["bias_hh_l0", "weight_hh_l0"] && a.metadata == ["cell": "gru"])
        let report = try TensorSpectrumReport(name: "weight_hh_l0", archive: a, file: model)
        #expect(report.gates.count == 3 && report.gates.allSatisfy { abs(($0.report.spectralRadius ?? 0) - 0.9) < 1e-10 })
    }

    @Test(arguments: [
        (["init", "--kind", "gausian", "--size", "3", "-o", "x.npy"], "--kind: unknown kind 'gausian'; use one of: \(InitKind.list)."),
        (["init", "--kind", "orthogonal", "--size", "0", "-o", "x.npy"], "--size must be a positive hidden size, got 0."),
        (["init", "--kind", "orthogonal", "--size", "3"], "Say where to write the matrix: -o FILE or --into MODEL --tensor NAME."),
        (["init", "--kind", "orthogonal", "--size", "3", "--into", "m.safetensors"], "--into needs --tensor NAME (e.g. --tensor weight_hh_l0)."),
        (["init", "--kind", "orthogonal", "--gain", "2", "--spectral-radius", "1", "--size", "3", "-o", "x.npy"],
         "--gain 2.0 has no effect when the matrix is rescaled to --spectral-radius; remove --gain."),
        (["init", "--singular-values", "1,x", "--size", "3", "-o", "x.npy"], "--singular-values: 'x' in '1,x' is not a number."),
    ])
    func badRequestsSayWhatToChange(arguments: [String], message: String) {
        #expect(throws: (any Error).self) { try GradLab.parseAsRoot(arguments) }
        do { _ = try GradLab.parseAsRoot(arguments) } catch {
            #expect(GradLab.message(for: error) == message)
        }
    }

    @Test func runtimeErrorsAreOneLine() throws {
        var cmd = try #require(try GradLab.parseAsRoot(["init", "--kind", "zeros", "--spectral-radius", "2", "--size", "3", "-o", "x.npy"]) as? InitCommand)
        let e = #expect(throws: InitError.self) { try cmd.run() }
        #expect(e?.message == "cannot rescale to --spectral-radius 2.0: the matrix's spectral radius is 0.0 (e.g. zero or nilpotent); choose another --kind or use --spectral-norm.")
        cmd = try #require(try GradLab.parseAsRoot(["init", "--eigenvalue-phases", "0.5,0.4,0", "--size", "3", "-o", "x.npy"]) as? InitCommand)
        let c = #expect(throws: InitError.self) { try cmd.run() }
        #expect(c?.message.hasPrefix("eigenvalue 1.0·e^{i·0.5} has no complex conjugate") == true)
    }

    @Test func inspectTextAndJSON() throws {
        let w = try Matrix([[0, 2], [-0.5, 0]])
        let r = try TensorSpectrumReport(name: "W", archive: TensorArchive([("W", Tensor(w))]), file: "W.npy")
        let text = InspectText(digits: 4).render([r], file: "W.npy")
        #expect(text.contains("spectral radius ρ") && text.contains("condition number") && text.contains("singular values (2): 2, 0.5"))
        #expect(text.contains("eigenvalues (2, largest |λ| first): 0+1i, 0−1i") || text.contains("eigenvalues (2, largest |λ| first): 0−1i, 0+1i"))
        let json = try InspectJSON.render([r], file: "W.npy")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let t = try #require((object["tensors"] as? [[String: Any]])?.first)
        #expect((t["eigenvalues"] as? [[Double]])?.map { $0[1] }.sorted() == [-1, 1])
        #expect(t["singular_values"] as? [Double] == [2, 0.5])
        #expect(t["condition_number"] as? Double == 4)
        #expect(t["shape"] as? [Int] == [2, 2] && t["name"] as? String == "W")
    }
}
