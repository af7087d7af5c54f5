import ExperimentPlots
import Foundation
import Lab
import Sweeps

/// What the page template (`ReportTemplate.page`) renders: plain values and arrays only, every text
/// escaped by the template except `svg` (GradLab's own charts) and the constant `css`/`script`.
struct PageModel {
    let title: String
    let generator: String
    let isComparison: Bool
    let runs: [RunSection]
    let comparison: ComparisonSection?
    let css = ReportTemplate.css
    let script = ReportTemplate.script

    init(runs reported: [ReportedRun], comparison: Comparison?, version: String) throws {
        isComparison = comparison != nil
        title = isComparison ? "GradLab comparison: " + reported.map(\.name).joined(separator: " vs ") : "GradLab report: " + (reported.first?.name ?? "")
        generator = "GradLab \(version)"
        runs = try reported.enumerated().map { try RunSection($1, index: $0 + 1, showFigures: comparison == nil) }
        self.comparison = try comparison.map(ComparisonSection.init)
    }
}

/// A term and its value in a definition list (the header).
struct Fact { let term: String; let value: String }

/// One chart: the inline SVG, a heading and the catalog's caption.
struct FigureItem {
    let id: String
    let heading: String
    let caption: String
    let svg: String

    init(_ drawn: RunPlots.DrawnFigure, idPrefix: String, runLabel: String? = nil) throws {
        id = "\(idPrefix)-fig\(drawn.fileStem)"
        let recipe = drawn.plot.recipe.rawValue
        heading = "Figure \(drawn.number): \(recipe)" + (drawn.facet.map { " — \($0)" } ?? "")
        caption = drawn.plot.recipe.caption(for: drawn.plot, metric: drawn.metric)
        let name = [runLabel, heading].compactMap { $0 }.joined(separator: ", ")
        svg = InlineSVG.element(try drawn.figure.svgDocument(), prefix: id + "-", title: name)
    }
}

/// A run directory's part of the page.
struct RunSection {
    let anchor: String
    let label: String
    let name: String
    let description: String?
    let facts: [Fact]
    let findings: [String]
    let showFigures: Bool
    let figures: [FigureItem]
    let emptyPlots: [String]
    let table: TableModel
    let failures: TableModel?
    let experimentText: String
    let manifestText: String?

    init(_ run: ReportedRun, index: Int, showFigures: Bool) throws {
        anchor = "run\(index)"
        label = run.label
        name = run.name
        description = run.description
        let counts = run.statusCounts.map { "\($0.count) \($0.status)" }.joined(separator: ", ")
        let m = run.manifest
        let grid = [m?.gridPoints.map { "\($0) grid points" }, m?.replicates.map { "× \($0) replicates" }].compactMap { $0 }.joined(separator: " ")
        var facts = [Fact(term: "directory", value: run.directory.path), Fact(term: "mode", value: run.mode),
                     Fact(term: "grid size", value: "\(m?.gridSize ?? run.rows.count) runs" + (grid.isEmpty ? "" : " (\(grid))")),
                     Fact(term: "status", value: counts)]
        if let s = m?.seconds { facts.append(Fact(term: "duration", value: Format.duration(s) + (m?.jobs.map { " on \($0) jobs" } ?? ""))) }
        else if m != nil { facts.append(Fact(term: "duration", value: "not finished (no end time in manifest.json)")) }
        if let v = m?.gradlabVersion { facts.append(Fact(term: "GradLab", value: v + (m?.gitCommit.map { " (commit \($0))" } ?? ""))) }
        if let h = m?.host { facts.append(Fact(term: "host", value: h)) }
        if let started = m?.started { facts.append(Fact(term: "started", value: ISO8601DateFormatter().string(from: started))) }
        self.facts = facts
        findings = Findings.sentences(run)
        self.showFigures = showFigures
        figures = showFigures ? try run.figures.map { try FigureItem($0, idPrefix: "r\(index)") } : []
        emptyPlots = run.emptyPlots
        table = TableModel.runs(run, id: "runs\(index)")
        failures = TableModel.failures(run, id: "failures\(index)")
        experimentText = run.experimentText
        manifestText = run.manifestText
    }
}

/// The comparison: the runs' labels, each declared chart side by side, and the per-configuration table.
struct ComparisonSection {
    struct ChartCell { let label: String; let figure: FigureItem?; let missing: String? }
    /// (The template reads stored properties only: Mustache looks values up by reflection.)
    struct ChartRow {
        let heading: String
        let caption: String
        /// Wider than 600 pt (several panels): one above the other rather than side by side.
        let wide: Bool
        let arrangement: String
        let cells: [ChartCell]

        init(heading: String, caption: String, wide: Bool, cells: [ChartCell]) {
            self.heading = heading
            self.caption = caption
            self.wide = wide
            arrangement = wide ? "one above the other" : "side by side"
            self.cells = cells
        }
    }

    let legend: [Fact]
    let columns: Int
    let charts: [ChartRow]
    let table: TableModel

    init(_ comparison: Comparison) throws {
        let runs = comparison.runs
        legend = runs.enumerated().map { Fact(term: "\($0 + 1). \($1.label)", value: "\($1.name) — \($1.directory.path)") }
        columns = runs.count
        // Charts matched by file stem (plot number, recipe, facet), in the order the directories draw them.
        var stems: [String] = []
        for run in runs { for f in run.figures where !stems.contains(f.fileStem) { stems.append(f.fileStem) } }
        charts = try stems.compactMap { stem in
            let drawn = runs.map { run in run.figures.first { $0.fileStem == stem } }
            guard let any = drawn.lazy.compactMap({ $0 }).first else { return nil }
            let cells = try zip(runs, drawn).enumerated().map { k, pair in
                ChartCell(label: "\(k + 1). \(pair.0.label)", figure: try pair.1.map { try FigureItem($0, idPrefix: "c\(k + 1)", runLabel: pair.0.label) },
                          missing: pair.1 == nil ? "not drawn from this directory's results" : nil)
            }
            return ChartRow(heading: "Figure \(any.number): \(any.plot.recipe.rawValue)" + (any.facet.map { " — \($0)" } ?? ""),
                            caption: any.plot.recipe.caption(for: any.plot, metric: any.metric), wide: any.figure.width > 600, cells: cells)
        }
        table = TableModel.comparison(comparison, id: "compare")
    }
}
