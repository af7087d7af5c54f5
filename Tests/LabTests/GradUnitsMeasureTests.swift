import ExperimentPlots
import Foundation
import Lab
import Sweeps
import Testing

/// `measure: grad_units`: the per-unit maps as `.npy` sidecar files referenced from the store
/// (docs/dynamics.md): read back, they sum (squared, per step) to the stored ‖∂L/∂h_t‖², and a failure
/// between the sidecar write and the row write leaves no row pointing at a missing file.
@Suite struct GradUnitsMeasureTests {
    static let yaml = """
    name: grad-units
    mode: gradient-flow
    seed: 11
    model: {cell: rnn, hidden: 6, input: 2}
    sequence: {length: 40, input: {kind: gaussian, std: 1.0}, h0: gaussian}
    measure: [grad_norm, grad_units]
    sweep:
      model.cell: [rnn, lstm, gru]
    plots:
      - {recipe: unit-gradient-maps}
    """

    static func directory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-grad-units-\(UUID().uuidString)")
    }

    @Test func sidecarMapsSumToTheStoredGradientNorms() async throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = try await Runner.run(try Experiment(text: Self.yaml, source: "grad-units.yaml"), executor: ExecutorRegistry.standard,
                                          options: RunOptions(outDirectory: dir, jobs: 1, progress: .silent, commandLine: ["test"]))
        #expect(report.allOK && report.counts[.ok] == 3)
        let store = try ResultStore(existing: dir)
        let references = try store.summaryTextColumn(Metric.unitMaps.name)
        let norms = try store.series(Metric.gradNormLog10.name)
        for run in try store.runs() {
            let reference = try #require(references[run.runID])
            #expect(reference == UnitMapSidecar.directory(runID: run.runID))
            let maps = try UnitMapSidecar.load(runDirectory: dir, reference: reference)
            let cell = run.values["model.cell"]?.description ?? ""
            #expect(maps.hiddenLog10.count == 41 && maps.hiddenSize == 6)
            #expect(maps.gateNames == (cell == "lstm" ? ["i", "f", "g", "o"] : cell == "gru" ? ["r", "z", "n"] : []))
            #expect(maps.gateLog10.allSatisfy { $0.count == 40 && $0.allSatisfy { $0.count == 6 } })
            let stored = Dictionary(uniqueKeysWithValues: try #require(norms[run.runID]).map { ($0.step, $0.value) })
            for (t, row) in maps.hiddenLog10.enumerated() {
                // log10 sqrt(Σ_i |∂L/∂h_t,i|²), in log-sum-exp form, against the stored log10 ‖∂L/∂h_t‖.
                let m = try #require(row.max())
                let fromMap = m + 0.5 * log10(row.reduce(0) { $0 + pow(10, 2 * ($1 - m)) })
                let expected = try #require(stored[t])
                #expect(abs(fromMap - expected) <= 1e-10, "\(cell) t = \(t): \(fromMap) vs \(expected)")
            }
        }
        let files = try RunPlots.render(runDirectory: dir, formats: [.svg])
        #expect(files.count == 3)
    }

    /// A stacked bidirectional model: one (T, H) sidecar map per layer and direction, each summing
    /// (squared, per step) to that unit's stored grad_norm_log10 series; the recipe draws them.
    @Test func stackedSidecarMapsSumToTheStoredGradientNormsPerUnit() async throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = Self.yaml.replacingOccurrences(of: "model: {cell: rnn, hidden: 6, input: 2}",
                                                  with: "model: {cell: rnn, hidden: 6, input: 2, layers: 2, bidirectional: true}")
            .replacingOccurrences(of: "model.cell: [rnn, lstm, gru]", with: "model.cell: [gru]")
        let report = try await Runner.run(try Experiment(text: yaml, source: "grad-units.yaml"), executor: ExecutorRegistry.standard,
                                          options: RunOptions(outDirectory: dir, jobs: 1, progress: .silent, commandLine: ["test"]))
        #expect(report.allOK && report.counts[.ok] == 1)
        let store = try ResultStore(existing: dir)
        let run = try #require(try store.runs().first)
        let reference = try #require(try store.summaryTextColumn(Metric.unitMaps.name)[run.runID])
        let maps = try UnitMapSidecar.load(runDirectory: dir, reference: reference)
        #expect(maps.layers.map { "\($0.layer)\($0.reverse ? "r" : "f")" } == ["0f", "0r", "1f", "1r"])
        #expect(maps.layers.allSatisfy { $0.rows.count == 40 && $0.rows.allSatisfy { $0.count == 6 } } && maps.hiddenSize == 6)
        let norms = try #require(try store.series(Metric.gradNormLog10.name)[run.runID])
        var compared = 0
        for l in maps.layers {
            let stored = Dictionary(uniqueKeysWithValues: norms.filter { $0.layer == l.layer && $0.direction == (l.reverse ? "reverse" : "forward") }
                .map { ($0.step, $0.value) })
            for (i, row) in l.rows.enumerated() {
                guard let m = row.filter(\.isFinite).max(), let expected = stored[i + 1] else { continue }
                let fromMap = m + 0.5 * log10(row.reduce(0) { $0 + ($1.isFinite ? pow(10, 2 * ($1 - m)) : 0) })
                #expect(abs(fromMap - expected) <= 1e-10, "layer \(l.layer) \(l.reverse ? "reverse" : "forward") t = \(i + 1)")
                compared += 1
            }
        }
        // The top layer's backward unit sees ∂L/∂(top output at T) at its first tape step only: its
        // ∂L/∂h_t is exactly 0 for t < T (every entry −∞); the other three units are nonzero throughout.
        let topBackward = try #require(maps.layers.last)
        #expect(topBackward.rows.dropLast().allSatisfy { $0.allSatisfy { $0 == -.infinity } } && topBackward.rows.last?.contains(where: \.isFinite) == true)
        #expect(compared == 3 * 40 + 1)
        let files = try RunPlots.render(runDirectory: dir, formats: [.svg])
        #expect(files.count == 1)
    }

    /// The runner writes a result's files before its row: a sidecar write that fails (a full disk, or a
    /// kill at that point) leaves no row at all, and `--resume` runs the configuration again.
    @Test func aFailedSidecarWriteLeavesNoRowAndResumes() async throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let experiment = try Experiment(text: Self.yaml, source: "grad-units.yaml")
        var options = RunOptions(outDirectory: dir, jobs: 1, progress: .silent, commandLine: ["test"])
        options.fileWriter = .failing("unit-map-h.npy")
        await #expect(throws: (any Error).self) { _ = try await Runner.run(experiment, executor: ExecutorRegistry.standard, options: options) }
        let store = try ResultStore(existing: dir)
        #expect(try store.storedRunIDs().isEmpty)
        let sidecars = (try? FileManager.default.subpathsOfDirectory(atPath: dir.appendingPathComponent("unit-maps").path)) ?? []
        #expect(sidecars.allSatisfy { !$0.hasSuffix("unit-map-h.npy") })
        var resume = RunOptions(outDirectory: dir, jobs: 1, progress: .silent, commandLine: ["test"])
        resume.requireExistingRun = true
        let report = try await Runner.run(experiment, executor: ExecutorRegistry.standard, options: resume)
        #expect(report.allOK && report.counts[.ok] == 3)
        for (runID, reference) in try ResultStore(existing: dir).summaryTextColumn(Metric.unitMaps.name) {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(reference).appendingPathComponent("unit-map-h.npy").path), "\(runID)")
        }
    }
}
