import ArgumentParser
import ExperimentPlots
import Sweeps
import Lab
import Foundation
import Plotting

/// `gradlab plot RUN_DIR`: the default subcommand of `plot`.
struct PlotRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-dir",
        abstract: "Re-render a run's declared plots from its stored results into RUN_DIR/plots (the default: gradlab plot RUN_DIR).",
        discussion: "Reads RUN_DIR/experiment.yaml (its plots:) and RUN_DIR/results.sqlite; works while the sweep is still going."
    )

    @Argument(help: "The run directory (holds results.sqlite and experiment.yaml).")
    var runDirectory: String

    @Option(help: "Only the plots of this recipe (\(RunPlots.recipeNames.joined(separator: ", "))).")
    var recipe: PlotRecipe?

    @Option(help: "Output format: \(PlotFormatOption.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: PlotFormatOption = .all

    func run() throws {
        let written = try RunPlots.render(runDirectory: URL(fileURLWithPath: runDirectory), recipe: recipe, formats: format.formats) { warn($0) }
        if written.isEmpty {
            print("\(runDirectory): no plots drawn (none declared\(recipe.map { " for recipe \($0.rawValue)" } ?? ""), or no ok results with the series they need)")
        }
        for path in written { print(path) }
    }
}

extension PlotRecipe: ExpressibleByArgument {}
