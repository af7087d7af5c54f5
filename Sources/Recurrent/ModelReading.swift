import Foundation
import TensorIO

/// What a tensor file's names, shapes and metadata say about the recurrent model in it, and how each
/// fact was found: the prefix of the recurrent module in a whole model's state dict, the cell, the
/// activation and the linear read-out (head).
///
/// Rules (docs/diagnostics.md, "Reading a model file"):
/// - **prefix**: `--prefix` if given; else the one module path `P` with a `P + "weight_hh_l0"` tensor
///   (`""` for a bare `nn.RNN/LSTM/GRU` state dict); several such modules are an error listing them.
/// - **lru**: a module with `nu_log_l0` or a bare `nu_log` is an LRU (`LRUModelReading.swift`).
/// - **cell**: from `weight_hh_l0`'s shape G·H × H (G = 1 rnn, 3 gru, 4 lstm), or a vector of H
///   (indrnn's u); an H × H `weight_hh_l0` beside a layer-norm gain `weight_ln_l0` is an lnrnn; a
///   `--cell` flag or the file's `cell` metadata must agree with it (they only disambiguate, never
///   override the shape).
/// - **activation** (rnn and indrnn): `--activation`, else the `activation` metadata, else tanh, PyTorch's
///   default, stated in the notes (a state dict does not record `nonlinearity`).
/// - **head**: `--head NAME` uses `NAME.weight` (and `NAME.bias` if present), which must be O × dirs·H;
///   `--head none` uses none. Otherwise the candidates are the modules outside the recurrent one whose
///   `.weight` is a matrix with dirs·H columns (a `Linear` reading the top layer); one candidate (after
///   preferring those stored after the recurrent tensors, as a module registered after the RNN is) is
///   used and stated; several are listed in a note and none is used.
public struct ModelFileReading: Sendable {
    /// The recurrent module's name prefix in the file (`""`, `"rnn."`, `"encoder.lstm."`).
    public let prefix: String
    public let cell: CellKind
    /// The module used as the linear read-out (`"fc"`), nil when none.
    public let head: String?
    /// One sentence per inferred fact (what was concluded and from what), for reports.
    public let notes: [String]
    /// (model name, file name) of the tensors the model reads (`head.weight` for `fc.weight`, …).
    public let selection: [(model: String, file: String)]

    /// Reads names, shapes and metadata; `cell`, `activation`, `prefix` and `head` are the user's flags
    /// (nil = infer). Every refusal names `path` and what the file holds.
    public init(path: String, names: [String], shapes: [String: [Int]], metadata: [String: String],
                cell: CellFamily? = nil, activation: String? = nil, leakySlope: Double? = nil,
                prefix: String? = nil, head: String? = nil) throws {
        if let lru = try ModelFileReading(lruPath: path, names: names, shapes: shapes, metadata: metadata, cell: cell,
                                          activation: activation, prefix: prefix, head: head) {
            self = lru
            return
        }
        var notes: [String] = []
        let p = try Self.findPrefix(path: path, names: names, given: prefix, notes: &notes)
        let hhName = p + ParameterName.weightHH
        guard let shape = shapes[hhName], shape.count == 2 || shape.count == 1, shape.allSatisfy({ $0 > 0 }) else {
            throw RecurrentError("\(path): '\(hhName)' is missing or neither a matrix nor (indrnn) a vector (the file has: \(Self.listed(names)))")
        }
        // A vector u of H values (IndRNN's diagonal recurrence) reads as H × 1.
        let hh = shape.count == 1 ? [shape[0], 1] : shape
        let diagonal = shape.count == 1
        let layerNorm = names.contains(p + ParameterName.weightLN(layer: 0))
        let family = try Self.resolveFamily(path: path, weightHH: hhName, shape: hh, diagonal: diagonal, layerNorm: layerNorm,
                                            metadata: metadata, flag: cell, notes: &notes)
        let kind = try Self.resolveActivation(path: path, family: family, metadata: metadata, flag: activation,
                                              leakySlope: leakySlope, notes: &notes)
        let (_, bidirectional) = ParameterName.architecture(of: names.filter { $0.hasPrefix(p) }.map { String($0.dropFirst(p.count)) })
        let width = (bidirectional ? 2 : 1) * (diagonal ? hh[0] : hh[1])
        let headModule = try Self.findHead(path: path, names: names, shapes: shapes, prefix: p, width: width,
                                           given: head, notes: &notes)
        var selection: [(model: String, file: String)] = []
        for name in names {
            if let headModule, name == headModule + ".weight" || name == headModule + ".bias" {
                selection.append(("head." + name.dropFirst(headModule.count + 1), name))
            } else if name.hasPrefix(p) {
                let local = String(name.dropFirst(p.count))
                // In a bare state dict, dotted names belong to other modules (the head was taken above).
                if p.isEmpty && local.contains(".") { continue }
                selection.append((local, name))
            }
        }
        self.prefix = p
        self.cell = kind
        self.head = headModule
        self.notes = notes
        self.selection = selection
    }

    /// Names for a message: at most 12, then "… and N more".
    static func listed(_ names: [String]) -> String {
        names.count <= 12 ? names.joined(separator: ", ") : names.prefix(12).joined(separator: ", ") + ", … and \(names.count - 12) more"
    }

    static func findPrefix(path: String, names: [String], given: String?, notes: inout [String]) throws -> String {
        let modules = ParameterName.recurrentModules(in: names)
        if let given {
            let p = given.isEmpty || given.hasSuffix(".") ? given : given + "."
            guard modules.contains(p) else {
                let found = modules.isEmpty ? "none" : modules.map { "'\($0)'" }.joined(separator: ", ")
                throw RecurrentError("\(path): no recurrent module at prefix '\(given)' (no '\(p)\(ParameterName.weightHH)'; recurrent modules found: \(found))")
            }
            return p
        }
        switch modules.count {
        case 0:
            throw RecurrentError("\(path): no recurrent weights: no tensor named '\(ParameterName.weightHH)' or '….\(ParameterName.weightHH)' (the file has: \(listed(names)))")
        case 1:
            if !modules[0].isEmpty { notes.append("recurrent module '\(modules[0].dropLast())' (its tensors start with '\(modules[0])')") }
            return modules[0]
        default:
            throw RecurrentError("\(path): several recurrent modules (\(modules.map { "'\($0)'" }.joined(separator: ", "))): choose one with --prefix")
        }
    }

    /// `diagonal`: the file's `weight_hh_l0` is a vector (read as H × 1): only indrnn has one.
    /// `layerNorm`: the file has a `weight_ln_l0` (beside `weight_hh_l0`): only lnrnn has one.
    static func resolveFamily(path: String, weightHH: String, shape hh: [Int], diagonal: Bool, layerNorm: Bool = false,
                              metadata: [String: String], flag: CellFamily?, notes: inout [String]) throws -> CellFamily {
        let lnName = weightHH.replacingOccurrences(of: ParameterName.weightHH, with: ParameterName.weightLN(layer: 0))
        if !diagonal && (layerNorm || flag == .lnrnn || metadata["cell"] == CellFamily.lnrnn.rawValue) {
            let given = flag?.rawValue ?? metadata["cell"], source = flag != nil ? "--cell" : "the file's metadata cell ="
            if let given, given != CellFamily.lnrnn.rawValue {
                throw RecurrentError("\(path): \(source) \(given), but the file has '\(lnName)', a layer-norm gain (an lnrnn cell)")
            }
            if let flag, let meta = metadata["cell"], meta != flag.rawValue {
                throw RecurrentError("\(path): --cell \(flag.rawValue) conflicts with the file's metadata cell = \(meta)")
            }
            guard layerNorm else {
                throw RecurrentError("\(path): \(source) lnrnn, but the file has no '\(lnName)' (an lnrnn cell's layer-norm gain g, H values)")
            }
            guard hh[0] == hh[1] else {
                throw RecurrentError("\(path): '\(weightHH)' is \(hh[0])×\(hh[1]); an lnrnn cell needs H × H")
            }
            if given == nil {
                notes.append("cell lnrnn, from '\(lnName)' (a layer-norm gain of H = \(hh[1]) values) beside an H × H '\(weightHH)'")
            }
            return .lnrnn
        }
        if diagonal || flag == .indrnn || metadata["cell"] == CellFamily.indrnn.rawValue {
            if let given = flag?.rawValue ?? metadata["cell"], given != CellFamily.indrnn.rawValue || !diagonal {
                let what = diagonal ? "a vector of \(hh[0]) (an indrnn cell's u)" : "\(hh[0])×\(hh[1]), a matrix (indrnn needs the vector u of H values)"
                throw RecurrentError("\(path): \(flag != nil ? "--cell" : "the file's metadata cell =") \(given), but '\(weightHH)' is \(what)")
            }
            if let flag, let meta = metadata["cell"], meta != flag.rawValue {
                throw RecurrentError("\(path): --cell \(flag.rawValue) conflicts with the file's metadata cell = \(meta)")
            }
            if flag == nil && metadata["cell"] == nil {
                notes.append("cell indrnn, from the shape of '\(weightHH)' (a vector of H = \(hh[0]) values: the diagonal recurrence u)")
            }
            return .indrnn
        }
        let inferred = CellFamily(inferringFromRows: hh[0], cols: hh[1])
        let given = flag?.rawValue ?? metadata["cell"]
        let source = flag != nil ? "--cell" : "the file's metadata cell ="
        if let given {
            guard let family = CellFamily(rawValue: given) else {
                throw RecurrentError("\(path): unknown cell '\(given)' (expected \(CellFamily.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if let flag, let meta = metadata["cell"], meta != flag.rawValue {
                throw RecurrentError("\(path): --cell \(flag.rawValue) conflicts with the file's metadata cell = \(meta)")
            }
            guard hh[0] == family.gateCount * hh[1] else {
                throw RecurrentError("\(path): \(source) \(given), but '\(weightHH)' is \(hh[0])×\(hh[1]); a \(given) cell needs \(family.gateCount)·H × H\(inferred.map { " (the shape says \($0.rawValue))" } ?? "")")
            }
            return family
        }
        guard let inferred else {
            throw RecurrentError("\(path): '\(weightHH)' is \(hh[0])×\(hh[1]), which is no cell's G·H × H (rnn H×H, gru 3H×H, lstm 4H×H)")
        }
        let g = inferred.gateCount == 1 ? "H×H" : "\(inferred.gateCount)H×H"
        notes.append("cell \(inferred.rawValue), from the shape of '\(weightHH)' (\(hh[0])×\(hh[1]) = \(g), H = \(hh[1]))")
        return inferred
    }

    static func resolveActivation(path: String, family: CellFamily, metadata: [String: String], flag: String?,
                                  leakySlope: Double?, notes: inout [String]) throws -> CellKind {
        if let flag, let meta = metadata["activation"], flag != meta {
            throw RecurrentError("\(path): --activation \(flag) conflicts with the file's metadata activation = \(meta)")
        }
        let name = flag ?? metadata["activation"]
        guard family.takesActivation else {
            if let name, name != "tanh" {
                throw RecurrentError("\(path): activation \(name) is not available for a \(family.rawValue) cell (its nonlinearities are fixed)")
            }
            return CellKind(family)
        }
        guard let name else {
            notes.append("activation tanh, PyTorch's default (the file does not record nn.RNN's nonlinearity; pass --activation relu for a ReLU \(family == .indrnn ? "IndRNN" : "RNN"))")
            return CellKind(family, activation: .tanh)
        }
        let alpha = leakySlope ?? metadata["alpha"].flatMap(Double.init) ?? Activation.defaultLeakySlope
        guard let act = Activation(name: name, alpha: alpha) else {
            throw RecurrentError("\(path): unknown activation '\(name)' (expected \(Activation.names.joined(separator: ", ")))")
        }
        return CellKind(family, activation: act)
    }

    static func findHead(path: String, names: [String], shapes: [String: [Int]], prefix p: String, width: Int,
                         given: String?, notes: inout [String]) throws -> String? {
        // Modules outside the recurrent one with a matrix `.weight` (name order = the file's order).
        let modules = names.filter { $0.hasSuffix(".weight") && !(!p.isEmpty && $0.hasPrefix(p)) }
            .map { String($0.dropLast(".weight".count)) }
            .filter { shapes[$0 + ".weight"]?.count == 2 }
        let candidates = modules.filter { shapes[$0 + ".weight"]?[1] == width }
        func shape(_ m: String) -> String { (shapes[m + ".weight"] ?? []).map(String.init).joined(separator: "×") }
        func described(_ ms: [String]) -> String {
            ms.isEmpty ? "none" : ms.map { "'\($0)' (\(shape($0)))" }.joined(separator: ", ")
        }
        if let given {
            if given == "none" { return nil }
            let m = given.hasSuffix(".weight") ? String(given.dropLast(".weight".count)) : given
            guard modules.contains(m) else {
                throw RecurrentError("\(path): no module '\(m)' with a weight matrix ('\(m).weight'); head candidates (weight with \(width) columns, the top layer's width): \(described(candidates))")
            }
            guard candidates.contains(m) else {
                throw RecurrentError("\(path): '\(m).weight' is \(shape(m)), but a head reading the top layer needs \(width) columns (O × \(width)); candidates: \(described(candidates))")
            }
            return m
        }
        guard !candidates.isEmpty else { return nil }
        let isRecurrent = { (name: String) in p.isEmpty ? !name.contains(".") : name.hasPrefix(p) }
        let recurrentEnd = names.lastIndex(where: isRecurrent) ?? -1
        let after = candidates.filter { (names.firstIndex(of: $0 + ".weight") ?? 0) > recurrentEnd }
        let chosen = candidates.count == 1 ? candidates : after
        if chosen.count == 1 {
            // GradLab's own files name the read-out `head`; that is no inference worth a note.
            if p.isEmpty && chosen[0] == "head" { return "head" }
            let bias = names.contains(chosen[0] + ".bias") ? " and '\(chosen[0]).bias'" : " (no bias)"
            notes.append("head '\(chosen[0])': '\(chosen[0]).weight' (\(shape(chosen[0])))\(bias) reads the top layer's \(width) outputs (--head none to leave it out)")
            return chosen[0]
        }
        notes.append("no head used: several modules could read the top layer (\(described(candidates))); choose one with --head NAME")
        return nil
    }
}
