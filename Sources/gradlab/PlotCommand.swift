import ArgumentParser
import Foundation
import Linalg
import Plotting
import ExperimentPlots

/// `gradlab plot …`: chart commands.
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Render charts (PNG, SVG, PDF): a run's declared plots (gradlab plot RUN_DIR), or the recipe demo.",
        subcommands: [PlotRun.self, PlotDemo.self, PlotBench.self],
        defaultSubcommand: PlotRun.self
    )
}

/// A failure the user can act on, printed as one line ("Error: …") with a non-zero exit.
struct PlotCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Output formats on the command line: one, or all three.
enum PlotFormatOption: String, ExpressibleByArgument, CaseIterable {
    case png, svg, pdf, all
    var formats: [OutputFormat] {
        switch self {
        case .png: return [.png]
        case .svg: return [.svg]
        case .pdf: return [.pdf]
        case .all: return OutputFormat.allCases
        }
    }
}

struct PlotDemo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Render every chart recipe from synthetic data, for chart authors (norm-vs-lag, phase-heatmap, eigenvalues, singular-values, lyapunov, training, loss-curves, success-vs-length, grad-norm-trace, grad-flow-heatmap)."
    )

    @Option(name: .long, help: "Directory to write the charts into (created if missing).")
    var out: String

    @Option(name: .long, help: "Output format (all = PNG, SVG and PDF).")
    var format: PlotFormatOption = .png

    @Option(name: .long, help: "Resolution of PNG files in dots per inch.")
    var dpi: Double = 150

    func validate() throws {
        guard dpi.isFinite, dpi >= 10, dpi <= 1200 else {
            throw ValidationError("--dpi must be between 10 and 1200; got \(dpi).")
        }
    }

    func run() throws {
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            throw UserError("--out \(out): cannot create the directory (\(error.localizedDescription))")
        }
        for (recipe, figure) in try RecipeDemo.figures() {
            for format in format.formats {
                let path = (out as NSString).appendingPathComponent("\(recipe.rawValue).\(format.fileExtension)")
                let warnings = try figure.write(to: path, format: format, dpi: dpi)
                for w in warnings { warn("\(recipe.rawValue): \(w)") }
                print(path)
            }
        }
    }
}

/// Benchmark (not a test): 1,000 lines × 1,000 points to a 1600 × 1000 PNG.
struct PlotBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time rendering 1,000 lines of 1,000 points to a 1600×1000 PNG.",
        shouldDisplay: false
    )

    @Option(name: .long, help: "Where to write the PNG.")
    var out: String = "/tmp/gradlab-plot-bench.png"

    @Option(name: .long, help: "Number of repetitions (the best time is reported).")
    var repeats: Int = 3

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1; got \(repeats).") }
    }

    func run() throws {
        var rng = RandomStream(seed: 1).split("plot-bench")
        let xs = (0..<1000).map(Double.init)
        var axes = Axes(title: nil, xLabel: "step", yLabel: "value")
        for i in 0..<1000 {
            var y = 0.0
            let ys = xs.map { _ in y += rng.normal(); return y }
            axes.line(LineMark(xs: xs, ys: ys, color: Palette.categorical(i).withAlpha(0.3), width: 0.6))
        }
        let figure = Figure(width: 800, height: 500, axes, title: "1,000 random walks × 1,000 steps")
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            try figure.write(to: out, format: .png, dpi: 144)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let (w, h) = figure.pixelSize(dpi: 144)
        print(String(format: "plot bench: 1000 lines × 1000 points → %d×%d PNG in %.3f s (best of %d) → %@", w, h, best, repeats, out))
    }
}
