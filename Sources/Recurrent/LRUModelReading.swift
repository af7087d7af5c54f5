import Foundation

/// Reading an LRU from a model file (docs/recurrent.md, "LRU"): the module is found by its `nu_log_l0`
/// (GradLab's names) or bare `nu_log` (a single reference `LRU` module's state dict, e.g. `lru.nu_log`);
/// bare stems are read as `_l0`. The head is found as for the other cells, reading the top layer's
/// read-outs y_t (dirs·D_{L−1} values: the rows of the top `C_re`, times 2 when bidirectional). A `--cell` flag or `cell` metadata other than lru is an error.
extension ModelFileReading {
    /// The prefixes of LRU modules among `names`: `P` for `P + "nu_log_l0"` or `P + "nu_log"`.
    public static func lruModules(in names: [String]) -> [String] {
        var found: [String] = []
        for name in names {
            for stem in [LRUName.name("nu_log"), "nu_log"] where name.hasSuffix(stem) {
                let p = String(name.dropLast(stem.count))
                if (p.isEmpty || p.hasSuffix(".")) && !found.contains(p) { found.append(p) }
            }
        }
        return found
    }

    /// The reading of an LRU file, or nil when the file holds no LRU module (nor was one asked for).
    init?(lruPath path: String, names: [String], shapes: [String: [Int]], metadata: [String: String],
          cell: CellFamily?, activation: String?, prefix: String?, head: String?) throws {
        let modules = Self.lruModules(in: names)
        let asked = cell == .lru || metadata["cell"] == CellFamily.lru.rawValue
        guard !modules.isEmpty || asked else { return nil }
        // A file with both an LRU and a weight_hh module is read as the LRU only when asked to.
        if !asked && !ParameterName.recurrentModules(in: names).isEmpty { return nil }
        var notes: [String] = []
        let p: String
        if let prefix {
            p = prefix.isEmpty || prefix.hasSuffix(".") ? prefix : prefix + "."
            guard modules.contains(p) else {
                throw RecurrentError("\(path): no lru module at prefix '\(prefix)' (no '\(p)nu_log' or '\(p)\(LRUName.name("nu_log"))'; lru modules found: \(modules.isEmpty ? "none" : modules.map { "'\($0)'" }.joined(separator: ", ")))")
            }
        } else {
            switch modules.count {
            case 0: throw RecurrentError("\(path): cell lru, but no tensor named 'nu_log', '\(LRUName.name("nu_log"))' or '….nu_log' (the file has: \(Self.listed(names)))")
            case 1: p = modules[0]
            default: throw RecurrentError("\(path): several lru modules (\(modules.map { "'\($0)'" }.joined(separator: ", "))): choose one with --prefix")
            }
        }
        if let given = cell?.rawValue ?? metadata["cell"], given != CellFamily.lru.rawValue {
            throw RecurrentError("\(path): \(cell != nil ? "--cell" : "the file's metadata cell =") \(given), but the file holds an lru module ('\(p)nu_log…')")
        }
        if let activation, activation != "tanh" {
            throw RecurrentError("\(path): activation \(activation) is not available for an lru cell (its recurrence is linear)")
        }
        let bare = names.contains(p + "nu_log")
        // The layer's own names, bare stems read as _l0.
        func local(_ name: String) -> String? {
            guard name.hasPrefix(p) else { return nil }
            let rest = String(name.dropFirst(p.count))
            if p.isEmpty && rest.contains(".") { return nil }
            return bare && LRUName.stems.contains(rest) ? LRUName.name(rest) : rest
        }
        let bShape = shapes[p + (bare ? "B_re" : LRUName.name("B_re"))] ?? []
        if cell == nil && metadata["cell"] == nil {
            notes.append("cell lru, from '\(p)\(bare ? "nu_log" : LRUName.name("nu_log"))'\(bare ? " (bare reference names, read as _l0)" : "")")
        } else if !p.isEmpty {
            notes.append("lru module '\(p.dropLast())' (its tensors start with '\(p)')")
        }
        // The head reads the top layer's read-outs: dirs·D_{L−1} values (the rows of C_re_l{L−1}), D for one layer.
        let shape = LRUName.architecture(of: names.compactMap(local))
        let cShape = shapes[p + (bare ? "C_re" : LRUName.name("C_re", layer: shape.layers - 1))] ?? []
        let width = cShape.count == 2 ? (shape.bidirectional ? 2 : 1) * cShape[0] : (bShape.count == 2 ? bShape[1] : nil)
        let headModule = try width.map { try Self.findHead(path: path, names: names, shapes: shapes, prefix: p, width: $0, given: head, notes: &notes) } ?? nil
        var selection: [(model: String, file: String)] = []
        for name in names {
            if let headModule, name == headModule + ".weight" || name == headModule + ".bias" {
                selection.append(("head." + name.dropFirst(headModule.count + 1), name))
            } else if let l = local(name) {
                selection.append((l, name))
            }
        }
        self.prefix = p
        self.cell = .lru
        self.head = headModule
        self.notes = notes
        self.selection = selection
    }
}
