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
        print("\(experiment.source): ok — \(experiment.name), mode \(spec.mode.rawValue), \(Limits.grouped(experiment.points.count)) grid point\(experiment.points.count == 1 ? "" : "s") × \(Limits.grouped(experiment.replicates)) replicate\(experiment.replicates == 1 ? "" : "s") = \(Limits.grouped(experiment.runCount)) configuration\(experiment.runCount == 1 ? "" : "s")")
        for axis in experiment.grid.product { print("  sweep \(axis.path): \(Self.listed(axis))") }
        for axis in experiment.grid.zip { print("  zip   \(axis.path): \(Self.listed(axis))") }
        if !spec.plots.isEmpty { print("  plots: \(spec.plots.map(\.recipe.rawValue).joined(separator: ", "))") }
    }

    /// A sweep list as written, the first 12 values of a longer one and its length.
    static func listed(_ axis: SweepAxis) -> String {
        let shown = axis.values.prefix(12).map(\.canonical).joined(separator: ", ")
        return axis.values.count <= 12 ? shown : shown + ", … (\(Limits.grouped(axis.values.count)) values)"
    }
}
