import Foundation
import Testing
@testable import ExperimentPlots
import Sweeps
import Lab
import Linalg
import Plotting

/// The train-mode plots, drawn from a store filled by a synthetic train executor whose values are
/// known: loss 1/(1 + i/τ) with τ from the method, solved iff T ≤ the method's horizon.
@Suite struct TrainingPlotsTests {
    static let text = """
    name: train-plots
    mode: train
    model: {hidden: 3}
    task: {name: adding-arjovsky2016, length: 10}
    clipping: {kind: global-norm, threshold: 1.0}
    replicates: 2
    sweep:
      task.length: [10, 20, 40]
    zip:
      method: [short, long]
      training.iterations: [20, 40]
    plots:
      - {recipe: loss-curves, facet: task.length}
      - {recipe: success-vs-length, x: task.length}
      - {recipe: grad-norm-trace, facet: method}
      - {recipe: grad-flow-heatmap, facet: method}
    """

    /// Horizon (longest solved T) and loss time scale per method.
    static func registry() -> ExecutorRegistry {
        var registry = ExecutorRegistry()
        registry.register(.train) { configuration, _ in
            let spec = configuration.spec
            let long = spec.method == "long"
            let length = spec.sequence.length, iterations = long ? 40 : 20
            var series: [SeriesPoint] = []
            for i in 1...iterations {
                series.append(SeriesPoint("loss", step: i, value: 1 / (1 + Double(i) / (long ? 5 : 10))))
                series.append(SeriesPoint("grad_norm", step: i, value: Double(configuration.replicate + 1)))
                if i % 10 == 0 {
                    series.append(SeriesPoint("eval_loss", step: i, value: 0.5 / Double(i)))
                    for t in 1...length { series.append(SeriesPoint("grad_flow_log10", step: i, component: t, value: -Double(length - t))) }
                }
            }
            let solved: Int64 = length <= (long ? 20 : 10) ? 1 : 0
            return ConfigurationResult(summary: ["solved": .integer(solved), "baseline_loss": .number(1.0 / 6), "clip_threshold": .number(1)],
                                       series: series)
        }
        return registry
    }

    @Test func drawsEachTrainRecipeFromTheStore() async throws {
        let e = try Experiment(text: Self.text, source: "tp.yaml")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-train-plots-\(UUID().uuidString)")
        _ = try await Runner.run(e, executor: Self.registry(), options: RunOptions(outDirectory: dir, jobs: 1, progress: .silent))
        let written = try RunPlots.render(runDirectory: dir, formats: [.png])
        let names = written.map { URL(fileURLWithPath: $0).lastPathComponent }.sorted()
        #expect(names == ["1-loss-curves.png", "2-success-vs-length.png", "3-grad-norm-trace.png",
                          "4-grad-flow-heatmap-long.png", "4-grad-flow-heatmap-short.png"])

        let data = try RunData(store: try ResultStore(existing: dir), title: "t")
        let plots = e.points[0].spec.plots
        // Loss curves: one panel per T, two methods each, held-out loss at 10, 20 (and 30, 40 for long).
        let loss = try #require(try TrainingPlots.lossCurves(plots[0], data))
        #expect(loss.panels.map(\.title) == ["T = 10", "T = 20", "T = 40"])
        let all = loss.panels[0].marks.compactMap { if case .line(let l) = $0 { return l } else { return nil } }
        let lines = all.filter { $0.label != nil }
        #expect(lines.map(\.label) == ["short", "long"])
        #expect(all.count == 6)   // each method: its mean and its two replicates as thin lines
        #expect(lines[1].xs == [10, 20, 30, 40] && lines[1].ys == [0.05, 0.025, 0.5 / 30, 0.0125])
        let rules = loss.panels[0].marks.compactMap { if case .rule(let r) = $0 { return r.value } else { return nil } }
        #expect(rules == [1.0 / 6])

        // Success rate: short solves T = 10 only, long T ≤ 20.
        let success = try #require(try TrainingPlots.successRate(plots[1], data))
        let rates = success.panels[0].marks.compactMap { if case .line(let l) = $0 { return (l.label, l.xs, l.ys) } else { return nil } }
        #expect(rates.count == 2)
        // The rates are drawn exactly (the recipe dodges the lines sideways, in points, not in y).
        #expect(rates[0].0 == "short" && rates[0].1 == [10, 20, 40] && rates[0].2 == [1, 0, 0])
        #expect(rates[1].0 == "long" && rates[1].2 == [1, 1, 0])
        #expect(rates.allSatisfy { $0.2.allSatisfy { (0...1).contains($0) } })

        // Gradient norms: replicates 1 and 2 averaged to 1.5 with a band [1, 2]; threshold in both panels.
        let norms = try #require(try TrainingPlots.gradientNormTrace(plots[2], data))
        let bands = norms.panels[0].marks.compactMap { if case .band(let b) = $0 { return b } else { return nil } }
        #expect(bands.count == 3 && bands[0].lower.allSatisfy { $0 == 1 } && bands[0].upper.allSatisfy { $0 == 2 })
        let traces = norms.panels[0].marks.compactMap { if case .line(let l) = $0 { return l } else { return nil } }
        #expect(traces[0].ys.allSatisfy { $0 == 1.5 })

        // Heatmap: one panel per T in the facet's file; values −(T − t) on the grid iteration × t.
        let maps = try TrainingPlots.gradientFlowHeatmaps(plots[3], data)
        #expect(maps.map(\.0) == ["short", "long"])
        guard case .heatmap(let h) = maps[1].1.panels[2].marks[0] else { Issue.record("expected a heatmap"); return }
        #expect(h.xs == [10, 20, 30, 40] && h.ys.count == 40)
        #expect(h.values[39 * 4] == 0 && h.values[0] == -12)   // t = 40 → 0; t = 1 → −39, clipped at max − 12
    }

    /// The lines of a run's charts follow the grid's order, not the store's row order (the order in which
    /// configurations finished, which with --jobs 2 differs from chart to chart's first facet): a store
    /// read with the grid order reversed, as if the configurations had finished last-first, draws the
    /// methods reversed, and read with the true order draws them as the file lists them.
    @Test func linesFollowTheGridOrderNotTheStoreOrder() async throws {
        let e = try Experiment(text: Self.text, source: "tp.yaml")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-grid-order-\(UUID().uuidString)")
        _ = try await Runner.run(e, executor: Self.registry(), options: RunOptions(outDirectory: dir, jobs: 1, progress: .silent))
        let store = try ResultStore(existing: dir)
        let order = GridOrder(e)
        #expect(order.indexByStem.count == e.grid.count && Set(order.indexByStem.values) == Set(0..<e.grid.count))
        let runs = try store.runs()
        #expect(runs.count == 12 && runs.allSatisfy { order.index(ofRun: $0.runID) != nil })
        #expect(GridOrder.stem(ofRunID: "3f9c0a1b22d4e871-r12") == "3f9c0a1b22d4e871")

        let reversed = GridOrder(indexByStem: order.indexByStem.mapValues { e.grid.count - 1 - $0 })
        let forwards = try RunData(store: store, title: "t", gridOrder: order)
        let backwards = try RunData(store: store, title: "t", gridOrder: reversed)
        func indices(_ data: RunData) -> [Int?] { data.groups.map { order.index(ofRun: $0.runs[0].runID) } }
        #expect(indices(forwards) == Array(0..<6))
        #expect(indices(backwards) == Array((0..<6).reversed()))

        let plots = e.points[0].spec.plots
        func successLabels(_ data: RunData) throws -> [String?] {
            let chart = try #require(try TrainingPlots.successRate(plots[1], data))
            return chart.panels[0].marks.compactMap { if case .line(let l) = $0 { return l.label } else { return nil } }
        }
        func lossLabels(_ data: RunData) throws -> [String?] {
            let chart = try #require(try TrainingPlots.lossCurves(plots[0], data))
            return chart.panels[0].marks.compactMap { if case .line(let l) = $0, l.label != nil { return l.label } else { return nil } }
        }
        #expect(try successLabels(forwards) == ["short", "long"] && lossLabels(forwards) == ["short", "long"])
        #expect(try successLabels(backwards) == ["long", "short"] && lossLabels(backwards) == ["long", "short"])
        // RunPlots reads the grid order from the run directory's experiment.yaml.
        let drawn = try RunPlots.figures(runDirectory: dir, recipe: .successVsLength)
        let drawnLabels = drawn[0].figure.panels[0].marks.compactMap { if case .line(let l) = $0 { return l.label } else { return nil } }
        #expect(drawnLabels == ["short", "long"])
        try? FileManager.default.removeItem(at: dir)
    }

    /// Replicates that stop early (solved): the mean is solid while all three run and dashed, labelled
    /// "1 of 3", where only the one still running is averaged, to the end of the longest replicate.
    @Test func theMeanCoversTheReplicatesItAverages() async throws {
        let text = """
        name: stops
        mode: train
        model: {hidden: 3}
        task: {name: adding-arjovsky2016, length: 10}
        training: {iterations: 40}
        replicates: 3
        plots:
          - {recipe: loss-curves}
          - {recipe: grad-norm-trace}
        """
        var registry = ExecutorRegistry()
        registry.register(.train) { configuration, _ in
            let stop = configuration.replicate == 0 ? 40 : 20
            var series: [SeriesPoint] = []
            for i in 1...stop {
                series.append(SeriesPoint("grad_norm", step: i, value: 1))
                if i % 10 == 0 { series.append(SeriesPoint("eval_loss", step: i, value: configuration.replicate == 0 ? 1.0 / 6 : 0.01)) }
            }
            return ConfigurationResult(summary: ["baseline_loss": .number(1.0 / 6), "clip_threshold": .number(1)], series: series)
        }
        let e = try Experiment(text: text, source: "stops.yaml")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-stops-\(UUID().uuidString)")
        _ = try await Runner.run(e, executor: registry, options: RunOptions(outDirectory: dir, jobs: 1, progress: .silent))
        let data = try RunData(store: try ResultStore(existing: dir), title: "stops")
        let plots = e.points[0].spec.plots
        let loss = try #require(try TrainingPlots.lossCurves(plots[0], data))
        let means = loss.panels[0].marks.compactMap { if case .line(let l) = $0, l.width > 1 { return l } else { return nil } }
        #expect(means.map(\.xs) == [[10, 20], [20, 30, 40]])
        #expect(means.map { $0.dash.isEmpty } == [true, false])
        #expect(abs(means[0].ys[0] - (1.0 / 6 + 0.02) / 3) < 1e-15 && means[1].ys.last == 1.0 / 6)
        #expect(loss.panels[0].marks.contains { if case .text(let t) = $0 { return t.text == "1 of 3" } else { return false } })
        #expect(loss.note?.contains("n of N") == true)
        // The gradient-norm trace says the same where replicates stopped.
        let trace = try #require(try TrainingPlots.gradientNormTrace(plots[1], data))
        #expect(trace.panels[0].marks.contains { if case .text(let t) = $0 { return t.text == "1 of 3" } else { return false } })
        try? FileManager.default.removeItem(at: dir)
    }
}
