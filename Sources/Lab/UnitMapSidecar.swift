import Diagnostics
import Foundation
import Recurrent
import Sweeps

/// `measure: grad_units`: the per-unit × time maps of a run as binary sidecar files beside the store —
/// `unit-maps/<run id>/unit-map-h.npy` and `unit-map-gate-<gate>.npy`, the files `diagnose --unit-maps`
/// writes (`UnitGradientMap.npyFiles`) — referenced from the run's row by the column `unit_maps` (the
/// directory, relative to the run directory). The runner writes a result's files atomically before
/// its row (Runner.run), so a row never points at a missing file; a run killed in between has no row
/// and runs again on `--resume`, overwriting its files.
public enum UnitMapSidecar {
    /// The sidecar directory of a run, relative to the run directory.
    public static func directory(runID: String) -> String { "unit-maps/\(runID)" }

    /// The files for `ConfigurationResult.files`, by path relative to the run directory.
    static func files(_ maps: UnitGradientMap, runID: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for (name, bytes) in try maps.npyFiles() { files[directory(runID: runID) + "/" + name] = Data(bytes) }
        return files
    }

    /// The maps a run's `unit_maps` column names, read back (gate maps by the files present: LSTM i, f,
    /// g, o or GRU r, z, n; none for a vanilla cell).
    public static func load(runDirectory: URL, reference: String) throws -> UnitMaps {
        let dir = runDirectory.appendingPathComponent(reference).path
        let gates = [CellFamily.lstm, .gru].first { family in
            FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(UnitGradientMap.gateFileName(family.gateNames[0])))
        }?.gateNames ?? []
        return UnitMaps(try UnitGradientMap.read(directory: dir, gates: gates))
    }
}

/// Unit maps as charts read them (module ExperimentPlots draws them, `gradlab diagnose --unit-maps` too):
/// log10 |∂L/∂h_{t,i}| rows t = 0…T, each gate's rows t = 1…T, and the units by total gradient.
public struct UnitMaps: Sendable {
    public let hiddenLog10: [[Double]]
    public let gateNames: [String]
    public let gateLog10: [[[Double]]]
    /// Units in descending order of Σ_t |∂L/∂h_{t,i}|² (`UnitGradientMap.unitsByTotalGradient`).
    public let unitsByTotalGradient: [Int]
    public var hiddenSize: Int { hiddenLog10.first?.count ?? 0 }

    public init(_ m: UnitGradientMap) {
        hiddenLog10 = m.hiddenLog10
        gateNames = m.gateNames
        gateLog10 = m.gateLog10
        unitsByTotalGradient = m.unitsByTotalGradient
    }
}
