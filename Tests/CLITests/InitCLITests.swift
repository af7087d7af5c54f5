import Testing
import Foundation
import Linalg
import TensorIO
import Initializers

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
        _ = try gradlabOutput(["init", "--kind", "orthogonal", "--gain", "2", "--size", "5", "--seed", "7", "-o", path])
        let w = try TensorArchive.load(path).tensor(named: nil, file: path).matrix()
        var rng = RandomStream(seed: 7, stream: 0)
        #expect(w == (try InitSpec(kind: .orthogonal, gain: 2).make(rows: 5, cols: 5, rng: &rng)))
    }

    @Test func intoAddsAGatedTensorAndCellMetadata() throws {
        let dir = try InitCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.safetensors").path
        try TensorArchive([("bias_hh_l0", Tensor([1, 2, 3]))]).save(model)
        _ = try gradlabOutput(["init", "--eigenvalue-moduli", "constant(0.9)", "--size", "4", "--cell", "gru",
                               "--into", model, "--tensor", "weight_hh_l0"])
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
    func badRequestsSayWhatToChange(arguments: [String], message: String) throws {
        let r = try gradlab(arguments)
        #expect(r.status != 0 && r.stdout.isEmpty)
        #expect(r.stderr.split(separator: "\n").first.map(String.init) == "error: " + message, "\(r.stderr)")
    }

    @Test func runtimeErrorsAreOneLine() throws {
        let dir = try InitCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = dir.appendingPathComponent("x.npy").path
        let e = try gradlab(["init", "--kind", "zeros", "--spectral-radius", "2", "--size", "3", "-o", x])
        #expect(e.status == 1 && e.stderr == "error: cannot rescale to --spectral-radius 2.0: the matrix's spectral radius is 0.0 (e.g. zero or nilpotent); choose another --kind or use --spectral-norm.\n")
        let c = try gradlab(["init", "--eigenvalue-phases", "0.5,0.4,0", "--size", "3", "-o", x])
        #expect(c.status == 1 && c.stderr.hasPrefix("error: eigenvalue 1.0·e^{i·0.5} has no complex conjugate"))
        #expect(!FileManager.default.fileExists(atPath: x))
    }

    @Test func inspectTextAndJSON() throws {
        let dir = try InitCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("W.npy").path
        try TensorArchive([("W", Tensor(try Matrix([[0, 2], [-0.5, 0]])))]).save(path)
        let text = try gradlabOutput(["inspect", path, "--digits", "4"])
        #expect(text.contains("spectral radius ρ") && text.contains("condition number") && text.contains("singular values (2): 2, 0.5"))
        #expect(text.contains("eigenvalues (2, largest |λ| first): 0+1i, 0−1i") || text.contains("eigenvalues (2, largest |λ| first): 0−1i, 0+1i"))
        let json = try gradlabOutput(["inspect", path, "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let t = try #require((object["tensors"] as? [[String: Any]])?.first)
        #expect((t["eigenvalues"] as? [[Double]])?.map { $0[1] }.sorted() == [-1, 1])
        #expect(t["singular_values"] as? [Double] == [2, 0.5])
        #expect(t["condition_number"] as? Double == 4)
        #expect(t["shape"] as? [Int] == [2, 2] && t["name"] as? String == "W")
    }
}
