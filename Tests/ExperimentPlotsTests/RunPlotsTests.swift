import Foundation
import Testing
@testable import ExperimentPlots
import Sweeps
import Lab
import _ExperimentsFixtures

@Suite struct RunPlotsTests {
    @Test func declaredPlotsAreWrittenFromStoredResults() async throws {
        let text = """
        name: plots
        mode: gradient-flow
        model: {hidden: 3}
        init: {weight_hh: {kind: gaussian, spectral_radius: 1.0}}
        sequence: {length: 12}
        replicates: 2
        sweep:
          init.weight_hh.spectral_radius: [0.5, 1.0, 1.5]
          model.activation: [tanh, relu]
        plots:
          - {recipe: norm-vs-lag, color: init.weight_hh.spectral_radius, facet: model.activation}
          - {recipe: phase-heatmap, x: init.weight_hh.spectral_radius, y: lag, facet: model.activation}
          - {recipe: depth-profile}
        """
        let e = try Experiment(text: text, source: "plots.yaml")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-plots-\(UUID().uuidString)")
        _ = try await Runner.run(e, executor: SyntheticExecutor.registry(),
                                 options: RunOptions(outDirectory: dir, jobs: 2, progress: .silent))
        var empty: [String] = []
        let written = try RunPlots.render(runDirectory: dir, formats: [.png, .svg]) { empty.append($0) }
        // Single-layer runs have no depth axis: the third plot says so instead of failing or staying silent.
        #expect(empty == ["plot 3 (depth-profile) drew nothing: it needs stacked models (model.layers > 1) with measure jacobian_norm, and ok runs that recorded it"])
        let names = written.map { URL(fileURLWithPath: $0).lastPathComponent }.sorted()
        #expect(names == ["1-norm-vs-lag.png", "1-norm-vs-lag.svg",
                          "2-phase-heatmap-relu.png", "2-phase-heatmap-relu.svg",
                          "2-phase-heatmap-tanh.png", "2-phase-heatmap-tanh.svg"])
        for path in written {
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
            #expect(size > 1000, "\(path) is \(size) bytes")
        }
        let only = try RunPlots.render(runDirectory: dir, recipe: .phaseHeatmap, formats: [.pdf])
        #expect(only.count == 2 && only.allSatisfy { $0.hasSuffix(".pdf") })
    }

    @Test func replicatesAreSummarisedAtCommonSteps() {
        let a = [SeriesValue(step: 0, component: 0, value: 1), SeriesValue(step: 1, component: 0, value: 2),
                 SeriesValue(step: 1, component: 1, value: 99)]
        let b = [SeriesValue(step: 0, component: 0, value: 3), SeriesValue(step: 2, component: 0, value: 5)]
        let s = ReplicateSummary([a, b])
        #expect(s.steps == [0] && s.mean == [2] && s.lower == [1] && s.upper == [3])
    }
}
