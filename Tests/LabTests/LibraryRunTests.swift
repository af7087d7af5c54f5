import Foundation
import Testing
import ExperimentPlots
import Lab
import Sweeps

/// An experiment run through the library alone — no command line — as another Swift program would
/// (docs/architecture.md), with `measure: contributions` in a sweep over single-layer and stacked models.
@Suite struct LibraryRunTests {
    static let yaml = """
    name: library-run
    mode: gradient-flow
    seed: 3
    model: {cell: rnn, activation: tanh, hidden: 6, input: 2}
    init:
      weight_hh: {kind: orthogonal, spectral_radius: 0.9}
    sequence: {length: 30}
    measure: [grad_norm, jacobian_norm, contributions]
    sweep:
      init.weight_hh.spectral_radius: [0.5, 1.5]
      model.layers: [1, 2]
    plots:
      - {recipe: norm-vs-lag, color: init.weight_hh.spectral_radius, y: contribution_log10, facet: model.layers}
    """

    @Test func runsAnExperimentAndStoresContributions() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-library-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let experiment = try Experiment(text: Self.yaml, source: "library.yaml")
        let report = try await Runner.run(experiment, executor: ExecutorRegistry.standard,
                                          options: RunOptions(outDirectory: dir, jobs: 2, progress: .silent, commandLine: ["test"]))
        #expect(report.allOK && report.counts[.ok] == 4)
        let store = try ResultStore(existing: dir)
        let terms = try store.series(Metric.contributionLog10.name)
        let runs = try store.runs()
        for run in runs {
            let points = try #require(terms[run.runID])
            let layers = run.values["model.layers"]?.number ?? 0
            // One term per step t = 1 … 30 and per layer of the model; with h_0 = 0 step 1's term
            // g_1·h_0ᵀ is exactly zero (stored as −∞), every other one finite.
            #expect(points.count == 30 * Int(layers))
            #expect(points.allSatisfy { $0.step == 1 ? $0.value == -.infinity : $0.value.isFinite })
            // The last step's term is the largest for a contracting map, the first for an expanding one.
            let top = points.filter { $0.layer == Int(layers) - 1 }
            let first = try #require(top.first { $0.step == 2 }?.value), last = try #require(top.first { $0.step == 30 }?.value)
            #expect(run.values["init.weight_hh.spectral_radius"]?.number == 0.5 ? last > first : true)
        }
        let files = try RunPlots.render(runDirectory: dir, formats: [.svg])
        #expect(files.count == 1)
        let svg = try String(contentsOfFile: try #require(files.first), encoding: .utf8)
        #expect(!svg.isEmpty)
    }

    /// The catalog's titles reach the chart: ρ(W_hh) for the swept spectral radius.
    @Test func sweptPathsHaveHumanTitles() {
        #expect(ParameterTitle.title(for: "init.weight_hh.spectral_radius") == "ρ(W_{hh})")
        #expect(ParameterTitle.title(for: "model.hidden") == "hidden size H")
        #expect(ParameterTitle.title(for: "task.name") == "task")
        #expect(ParameterTitle.title(for: "some.new.key") == "some.new.key")
        #expect(ParameterTitle.symbol(for: "task.length") == "T" && ParameterTitle.symbol(for: "init.weight_ih.gain") == "gain of W_{ih}")
        // Every catalog name is unique and every metric is a series, a summary column or both.
        #expect(Set(Metric.all.map(\.name)).count == Metric.all.count)
        #expect(Metric.all.allSatisfy { $0.index != nil || $0.sqlType != nil })
    }
}
