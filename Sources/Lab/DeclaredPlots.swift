import Foundation
import Sweeps

/// The `plots:` of a run directory's resolved `experiment.yaml`, decoded once (no grid is expanded
/// and no configuration decoded: the run's results are in its store).
public struct DeclaredPlots: Sendable {
    /// The experiment's name (chart titles).
    public let name: String
    public let plots: [PlotSpec]

    /// Reads `path` (a run directory's `experiment.yaml`); a missing file says the directory holds no run.
    public init(resolvedExperiment path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            let directory = (path as NSString).deletingLastPathComponent
            guard FileManager.default.fileExists(atPath: directory) else { throw RunError("no run directory at \(directory)") }
            throw RunError("\(directory) holds no run (no experiment.yaml)")
        }
        let tree = try ConfigNode.parse(yaml: try readExperimentFile(path), path: path)
        guard case let .scalar(name)? = tree["name"] else { throw ExperimentError(tree.origin, "missing key 'name' in the top level") }
        self.name = name.text
        guard let node = tree["plots"] else { plots = []; return }
        var wrapper = ConfigNode.mapping([], tree.origin)
        try wrapper.set(node, at: ["plots"], keyOrigin: tree.keyOrigin(at: ["plots"]))
        do {
            plots = try ConfigDecoder().decode(Plots.self, from: wrapper).plots
        } catch {
            throw ExperimentError.locating(error, in: wrapper)
        }
    }

    private struct Plots: Decodable { var plots: [PlotSpec] }
}
