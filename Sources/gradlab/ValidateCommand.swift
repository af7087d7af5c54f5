import ArgumentParser
import Sweeps
import Lab

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check an experiment file without running it: schema, every grid point, plots.",
        discussion: "Errors name the file, line and column (or the --set argument) and suggest the closest key or value."
    )

    @OptionGroup var source: ExperimentOptions

    func run() throws {
        let experiment = try source.load()
        let spec = experiment.points[0].spec
        print("\(experiment.source): ok — \(experiment.name), mode \(spec.mode.rawValue), \(experiment.points.count) grid point\(experiment.points.count == 1 ? "" : "s") × \(experiment.replicates) replicate\(experiment.replicates == 1 ? "" : "s") = \(experiment.runCount) configurations")
        for axis in experiment.grid.product { print("  sweep \(axis.path): \(axis.values.map(\.canonical).joined(separator: ", "))") }
        for axis in experiment.grid.zip { print("  zip   \(axis.path): \(axis.values.map(\.canonical).joined(separator: ", "))") }
        if !spec.plots.isEmpty { print("  plots: \(spec.plots.map(\.recipe.rawValue).joined(separator: ", "))") }
    }
}
