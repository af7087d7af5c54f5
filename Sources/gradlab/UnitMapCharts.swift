import Diagnostics
import ExperimentPlots
import Foundation
import Lab

/// `diagnose --unit-maps DIR`: the per-unit × time gradient maps, complete, as `.npy` files
/// (`UnitGradientMap.npyFiles`, the sidecar files of `measure: grad_units`) and as heatmaps
/// (`UnitMapFigure`, the `unit-gradient-maps` recipe's figure; docs/dynamics.md).
enum UnitMapCharts {
    static func write(_ maps: UnitGradientMap, to directory: String, title: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var written: [String] = []
        for (name, bytes) in try maps.npyFiles() {
            let path = (directory as NSString).appendingPathComponent(name)
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
            written.append(path)
        }
        written += try writeCharts([("unit-maps", try UnitMapFigure.figure(UnitMaps(maps), title: title))], to: directory)
        return written
    }
}
