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
    /// `npy`: `UnitGradientMap.npyFiles()` (single layer) or `DepthTimeFlow.unitMapFiles()` (stacked).
    static func files(_ npy: [(name: String, bytes: [UInt8])], runID: String) -> [String: Data] {
        var files: [String: Data] = [:]
        for (name, bytes) in npy { files[directory(runID: runID) + "/" + name] = Data(bytes) }
        return files
    }

    /// The maps a run's `unit_maps` column names, read back (gate maps by the files present: LSTM i, f,
    /// g, o or GRU r, z, n; none for a vanilla cell).
    public static func load(runDirectory: URL, reference: String) throws -> UnitMaps {
        let dir = runDirectory.appendingPathComponent(reference).path
        if let layered = try loadStacked(directory: dir) { return layered }
        let gates = [CellFamily.lstm, .gru].first { family in
            FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(UnitGradientMap.gateFileName(family.gateNames[0])))
        }?.gateNames ?? []
        return UnitMaps(try UnitGradientMap.read(directory: dir, gates: gates))
    }

    /// A stacked run's maps (`DepthTimeFlow.readUnitMaps`); nil when the directory holds a
    /// single-layer run's `unit-map-h.npy` instead.
    static func loadStacked(directory dir: String) throws -> UnitMaps? {
        guard !FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(UnitGradientMap.hiddenFileName)) else { return nil }
        return UnitMaps(layers: try DepthTimeFlow.readUnitMaps(directory: dir).map { UnitMaps.Layer(layer: $0.layer, reverse: $0.reverse, rows: $0.rows) })
    }
}

/// Unit maps as charts read them (module ExperimentPlots draws them, `gradlab diagnose --unit-maps` too):
/// log10 |∂L/∂h_{t,i}| rows t = 0…T, each gate's rows t = 1…T, and the units by total gradient.
/// A stacked model's maps are `layers` instead (one ∂L/∂h map per layer and direction, rows t = 1…T).
public struct UnitMaps: Sendable {
    /// One layer and direction of a stacked model: log10 |∂L/∂h_{t,i}| rows t = 1…T (time-aligned).
    public struct Layer: Sendable {
        public let layer: Int, reverse: Bool
        public let rows: [[Double]]
        /// This map's units in descending order of Σ_t |·|².
        public let unitsByTotalGradient: [Int]
        public init(layer: Int, reverse: Bool, rows: [[Double]]) {
            self.layer = layer; self.reverse = reverse; self.rows = rows
            unitsByTotalGradient = UnitGradientMap.unitsByTotalGradient(rows)
        }
    }

    public let hiddenLog10: [[Double]]
    public let gateNames: [String]
    public let gateLog10: [[[Double]]]
    /// Units in descending order of Σ_t |∂L/∂h_{t,i}|² (`UnitGradientMap.unitsByTotalGradient`).
    public let unitsByTotalGradient: [Int]
    /// A stacked model's maps (then `hiddenLog10` and the gates are empty).
    public let layers: [Layer]
    public var hiddenSize: Int { hiddenLog10.first?.count ?? layers.first?.rows.first?.count ?? 0 }

    public init(_ m: UnitGradientMap) {
        hiddenLog10 = m.hiddenLog10
        gateNames = m.gateNames
        gateLog10 = m.gateLog10
        unitsByTotalGradient = m.unitsByTotalGradient
        layers = []
    }

    public init(layers: [Layer]) {
        hiddenLog10 = []; gateNames = []; gateLog10 = []; unitsByTotalGradient = []
        self.layers = layers
    }

    /// A stacked flow's maps (kept with `DepthTimeOptions.unitMaps`).
    public init(_ flow: DepthTimeFlow) {
        self.init(layers: flow.units.filter { !$0.unitLog10.isEmpty }.map { Layer(layer: $0.layer, reverse: $0.reverse, rows: $0.unitLog10) })
    }
}
