import Diagnostics
import ExperimentPlots
import Foundation
import Lab

/// `diagnose --unit-maps DIR`: the per-unit × time gradient maps, complete, as `.npy` files
/// (`UnitGradientMap.npyFiles`, the sidecar files of `measure: grad_units`) and as heatmaps
/// (`UnitMapFigure`, the `unit-gradient-maps` recipe's figure; docs/dynamics.md).
enum UnitMapCharts {
    static func write(_ maps: UnitGradientMap, to directory: String, title: String) throws -> [String] {
        try write(try maps.npyFiles(), UnitMaps(maps), to: directory, title: title)
    }

    /// A stacked or bidirectional model's maps (`DepthTimeFlow` with unit maps kept): one `.npy` file
    /// per layer and direction (`DepthTimeFlow.unitMapFiles`) and one figure with a ∂L/∂h panel each
    /// (no gate panels: the lattice sweep carries ∂L/∂s_t, not the gates' pre-activation gradients).
    static func write(stacked flow: DepthTimeFlow, to directory: String, title: String) throws -> [String] {
        try write(try flow.unitMapFiles(), UnitMaps(flow), to: directory, title: title)
    }

    /// The `.npy` files (each written atomically), then the figure; returns the paths.
    private static func write(_ npy: [(name: String, bytes: [UInt8])], _ maps: UnitMaps, to directory: String, title: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var written: [String] = []
        for (name, bytes) in npy {
            let path = (directory as NSString).appendingPathComponent(name)
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
            written.append(path)
        }
        return written + (try writeCharts([("unit-maps", try UnitMapFigure.figure(maps, title: title))], to: directory))
    }
}
