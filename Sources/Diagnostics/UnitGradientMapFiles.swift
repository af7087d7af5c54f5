import Foundation
import Linalg
import Recurrent
import TensorIO

/// The unit maps of a model's diagnosis and their `.npy` files, shared by `diagnose --unit-maps` and
/// `measure: grad_units` (docs/dynamics.md): `unit-map-h.npy` (T + 1, H), row t = step t, and for
/// gated cells `unit-map-gate-<gate>.npy` (T, H), row t − 1 = step t; Float64 log10 |∂L/∂·|.
extension UnitGradientMap {
    /// The maps of a single-layer model on exactly the trajectory and adjoint a `Diagnosis` with the
    /// same options and stream uses (its named streams "inputs", "h0" and "adjoint").
    public init(model: RecurrentModel, options o: DiagnosisOptions, rng: RandomStream) throws {
        guard !model.isStacked else { throw RecurrentError("unit maps are for single-layer unidirectional models") }
        var inputRng = rng.split("inputs"), stateRng = rng.split("h0"), adjointRng = rng.split("adjoint")
        let inputs = o.inputs ?? Matrix.inputSequence(steps: o.steps, size: model.inputSize, source: o.input, rng: &inputRng)
        let s0 = makeInitialState(o.initialState, hiddenSize: model.hiddenSize, stateSize: model.stateSize, rng: &stateRng)
        var adjoint = o.adjoint ?? adjointRng.normals(model.hiddenSize)
        if o.adjoint == nil { let n = nrm2(adjoint); scal(1 / n, &adjoint) }
        self = try Self.make(model.makeCell(), family: model.cell.family, inputs: inputs, initialState: s0, adjoint: adjoint)
    }

    /// Opens the cell's type.
    private static func make<C: RecurrentCell>(_ cell: C, family: CellFamily, inputs: Matrix, initialState: [Double], adjoint: [Double]) throws -> UnitGradientMap {
        try UnitGradientMap(cell: cell, family: family, trajectory: Trajectory(map: cell, initialState: initialState, inputs: inputs), adjoint: adjoint)
    }

    /// The file of the ∂L/∂h map.
    public static let hiddenFileName = "unit-map-h.npy"

    /// The file of gate `gate`'s map.
    public static func gateFileName(_ gate: String) -> String { "unit-map-gate-\(gate).npy" }

    /// Every map as (file name, `.npy` bytes): the h map first, then the gates in CellFamily order.
    public func npyFiles() throws -> [(name: String, bytes: [UInt8])] {
        func file(_ rows: [[Double]], _ name: String) throws -> (String, [UInt8]) {
            (name, NPYFormat.encode(try Tensor(shape: [rows.count, hiddenSize], values: rows.flatMap { $0 })))
        }
        var files = [try file(hiddenLog10, Self.hiddenFileName)]
        for (k, gate) in gateNames.enumerated() { files.append(try file(gateLog10[k], Self.gateFileName(gate))) }
        return files
    }

    /// The maps read back from `directory` (as `npyFiles` wrote them): the h map and the maps of the
    /// gates named in `gates` (all of them must be there). Shapes are checked: (T + 1, H) and (T, H).
    public static func read(directory: String, gates: [String]) throws -> UnitGradientMap {
        func rows(_ name: String, steps: Int?, units: Int?) throws -> [[Double]] {
            let path = (directory as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: path) else { throw RecurrentError("\(path): the unit map is missing") }
            let t = try TensorArchive.load(path).tensor(named: nil, file: path)
            guard t.shape.count == 2, t.shape[0] > 0, t.shape[1] > 0, steps.map({ $0 == t.shape[0] }) ?? true, units.map({ $0 == t.shape[1] }) ?? true else {
                throw RecurrentError("\(path): a unit map of shape \(t.shapeDescription), expected (\(steps.map(String.init) ?? "steps"), \(units.map(String.init) ?? "H"))")
            }
            let h = t.shape[1]
            return (0..<t.shape[0]).map { Array(t.values[($0 * h)..<(($0 + 1) * h)]) }
        }
        let hidden = try rows(hiddenFileName, steps: nil, units: nil)
        let gateMaps = try gates.map { try rows(gateFileName($0), steps: hidden.count - 1, units: hidden[0].count) }
        return UnitGradientMap(hiddenLog10: hidden, gateNames: gates, gateLog10: gateMaps)
    }
}

extension DepthTimeFlow {
    /// The file of layer ℓ's map (direction `reverse`) of a stacked model: `unit-map-h-l<ℓ>.npy` or
    /// `unit-map-h-l<ℓ>-reverse.npy`, shape (T, H), row t − 1 = step t (time-aligned in both directions).
    public static func unitMapFileName(layer: Int, reverse: Bool) -> String { "unit-map-h-l\(layer)\(reverse ? "-reverse" : "").npy" }

    /// Every unit's map as (file name, `.npy` bytes), layers bottom-up, forward before backward; empty
    /// unless the flow kept them (`DepthTimeOptions.unitMaps`).
    public func unitMapFiles() throws -> [(name: String, bytes: [UInt8])] {
        try units.filter { !$0.unitLog10.isEmpty }.map { u in
            let h = u.unitLog10.first?.count ?? 0
            return (Self.unitMapFileName(layer: u.layer, reverse: u.reverse),
                    NPYFormat.encode(try Tensor(shape: [u.unitLog10.count, h], values: u.unitLog10.flatMap { $0 })))
        }
    }

    /// The maps `unitMapFiles` wrote into `directory`, read back: layers bottom-up, forward before
    /// backward, until a layer has neither file. Each must be (T, H) with the same shape as the first;
    /// none at all is an error naming the directory.
    public static func readUnitMaps(directory dir: String) throws -> [(layer: Int, reverse: Bool, rows: [[Double]])] {
        let fm = FileManager.default
        var out: [(layer: Int, reverse: Bool, rows: [[Double]])] = []
        var layer = 0
        while true {
            var found = false
            for reverse in [false, true] {
                let path = (dir as NSString).appendingPathComponent(unitMapFileName(layer: layer, reverse: reverse))
                guard fm.fileExists(atPath: path) else { continue }
                let t = try TensorArchive.load(path).tensor(named: nil, file: path)
                let expected = out.first.map { ($0.rows.count, $0.rows[0].count) }
                guard t.shape.count == 2, t.shape[0] > 0, t.shape[1] > 0, expected.map({ $0 == (t.shape[0], t.shape[1]) }) ?? true else {
                    throw RecurrentError("\(path): a unit map of shape \(t.shapeDescription), expected \(expected.map { "(\($0.0), \($0.1))" } ?? "(T, H)")")
                }
                let h = t.shape[1]
                out.append((layer, reverse, (0..<t.shape[0]).map { Array(t.values[($0 * h)..<(($0 + 1) * h)]) }))
                found = true
            }
            guard found else { break }
            layer += 1
        }
        guard !out.isEmpty else {
            throw RecurrentError("\(dir): no unit maps (neither \(UnitGradientMap.hiddenFileName) nor \(unitMapFileName(layer: 0, reverse: false)))")
        }
        return out
    }
}
