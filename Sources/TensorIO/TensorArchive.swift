import Foundation
import Linalg

/// The file formats GradLab reads and writes, chosen by extension.
public enum TensorFileFormat: String, Sendable, CaseIterable {
    /// NumPy `.npy`: exactly one tensor, no metadata.
    case npy
    /// NumPy `.npz`: a zip of `.npy` members named `<tensor>.npy`; no metadata.
    case npz
    /// Hugging Face `.safetensors`: named tensors plus string→string `__metadata__`.
    case safetensors
    /// PyTorch `torch.save` zip checkpoints, extensions `.pt`, `.pth` and `.bin`: read only (`PyTorchFormat`).
    case pytorch = "pt"

    /// The format for `path`'s extension; throws "<path>: unknown extension …" otherwise.
    public init(path: String) throws {
        let ext = (path as NSString).pathExtension.lowercased()
        switch ext {
        case "pt", "pth", "bin": self = .pytorch
        default:
            guard let f = TensorFileFormat(rawValue: ext) else {
                throw TensorIOError(file: path, problem: "unknown extension '\(ext.isEmpty ? "(none)" : "." + ext)'; use .npy, .npz, .safetensors or .pt/.pth/.bin")
            }
            self = f
        }
    }
}

/// An ordered collection of named tensors plus string metadata: a model file (`weight_hh_l0`, …),
/// an input file, or a single `.npy` array.
///
/// Names keep insertion (or file) order. Metadata is stored only by `.safetensors`; GradLab uses the
/// keys `cell` (`rnn`, `lstm`, `gru`) and `activation`. A `.npy` file loads as one tensor named after
/// the file's stem (`W.npy` → `W`); `tensor(named: nil)` returns the only tensor of any archive.
public struct TensorArchive: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public var tensor: Tensor
    }

    public private(set) var entries: [Entry] = []
    public var metadata: [String: String] = [:]
    /// Position of each name in `entries`, so that lookups and appends stay O(1) for files with many tensors.
    private var index: [String: Int] = [:]

    public init() {}

    /// An archive of `tensors` in the given order; later duplicates replace earlier ones.
    public init(_ tensors: [(String, Tensor)], metadata: [String: String] = [:]) {
        for (n, t) in tensors { self[n] = t }
        self.metadata = metadata
    }

    public var names: [String] { entries.map(\.name) }
    public var isEmpty: Bool { entries.isEmpty }

    /// The tensor called `name`; setting replaces it in place, appends a new name, or removes with nil.
    public subscript(name: String) -> Tensor? {
        get { index[name].map { entries[$0].tensor } }
        set {
            switch (index[name], newValue) {
            case let (k?, t?): entries[k].tensor = t
            case let (nil, t?):
                index[name] = entries.count
                entries.append(Entry(name: name, tensor: t))
            case let (k?, nil):
                entries.remove(at: k)
                index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.name, $0) })
            case (nil, nil): break
            }
        }
    }

    /// Appends (or replaces) a tensor.
    public mutating func append(name: String, _ tensor: Tensor) { self[name] = tensor }

    /// The tensor called `name`, or the only tensor when `name` is nil. Errors name `file` and list
    /// the available tensors.
    public func tensor(named name: String?, file: String) throws -> Tensor {
        if let name {
            guard let t = self[name] else {
                throw TensorIOError(file: file, problem: "no tensor named '\(name)'; the file has \(listing)")
            }
            return t
        }
        guard entries.count == 1 else {
            throw TensorIOError(file: file, problem: "holds \(entries.count) tensors; choose one with --tensor (\(listing))")
        }
        return entries[0].tensor
    }

    /// The rank-2, finite tensor `name` as a matrix (what a model loader wants for `weight_hh_l0`).
    /// Errors: "<file>: no tensor named …", "<file>: tensor 'w' must be a matrix (rank 2) but has shape (3,)",
    /// "<file>: tensor 'w' has NaN at index (i, j); …".
    public func matrix(named name: String, file: String) throws -> Matrix {
        let t = try tensor(named: name, file: file)
        guard t.rank == 2 else {
            throw TensorIOError(file: file, problem: "tensor '\(name)' must be a matrix (rank 2) but has shape \(t.shapeDescription)")
        }
        try t.checkFinite(name: name, file: file)
        return try t.matrix(name: file)
    }

    /// The rank-1, finite tensor `name` as a vector (biases); errors as `matrix(named:file:)`.
    public func vector(named name: String, file: String) throws -> [Double] {
        let t = try tensor(named: name, file: file)
        guard t.rank == 1 else {
            throw TensorIOError(file: file, problem: "tensor '\(name)' must be a vector (rank 1) but has shape \(t.shapeDescription)")
        }
        try t.checkFinite(name: name, file: file)
        return t.values
    }

    /// Throws "<file>: tensor '<name>' has NaN at index (…)" for the first non-finite element of any tensor.
    public func checkFinite(file: String) throws {
        for e in entries { try e.tensor.checkFinite(name: e.name, file: file) }
    }

    private var listing: String {
        entries.isEmpty ? "no tensors" : TensorIOError.list(entries.lazy.map { "'\($0.name)' \($0.tensor.shapeDescription)" })
    }

    // MARK: Files

    /// Reads `path`, choosing the format by extension (.npy, .npz, .safetensors; .pt, .pth, .bin for
    /// torch.save checkpoints). A file whose content is another format than its extension says is an
    /// error naming what it looks like ("m.safetensors: looks like a PyTorch zip checkpoint (torch.save),
    /// not safetensors; rename it to .pt").
    ///
    /// `checkpointKey` chooses the state dict inside a PyTorch checkpoint dict (`"model"` in
    /// `{"model": state_dict, "optimizer": …, "epoch": 3}`); without it the only top-level dict of tensors
    /// is taken, and a bare state dict needs none. It is an error for any other format.
    public static func load(_ path: String, checkpointKey: String? = nil) throws -> TensorArchive {
        let format = try TensorFileFormat(path: path)
        if let checkpointKey, format != .pytorch {
            throw TensorIOError(file: path, problem: "a checkpoint key ('\(checkpointKey)') applies to PyTorch checkpoints (.pt, .pth, .bin) only")
        }
        let bytes = try readBytes(path)
        if let problem = TensorFileContent(bytes).misnamed(as: format, bytes: bytes) {
            throw TensorIOError(file: path, problem: problem)
        }
        switch format {
        case .npy:
            let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            return TensorArchive([(stem, try NPYFormat.decode(bytes[...], file: path))])
        case .npz:
            let members = try ZipArchive.read(bytes, file: path)
            if let problem = TensorFileContent.zipMisnamed(members.map(\.name), as: .npz) {
                throw TensorIOError(file: path, problem: problem)
            }
            var archive = TensorArchive()
            for m in members {
                let name = m.name.hasSuffix(".npy") ? String(m.name.dropLast(4)) : m.name
                // ZipArchive refuses repeated member names; 'W' and 'W.npy' would still both be tensor 'W'.
                guard archive[name] == nil else {
                    throw TensorIOError(file: path, problem: "members '\(name)' and '\(name).npy' both hold tensor '\(name)'")
                }
                archive.append(name: name, try NPYFormat.decode(m.bytes[...], file: "\(path) (member \(m.name))"))
            }
            return archive
        case .safetensors:
            return try SafetensorsFormat.decode(bytes, file: path)
        case .pytorch:
            return try PyTorchFormat.decode(bytes, file: path, checkpointKey: checkpointKey)
        }
    }

    /// Writes the archive to `path` in the format its extension names (not .pt/.pth/.bin: read only). `.npy` needs exactly one tensor;
    /// `.npz` members are stored, or deflated when `compressed` (like `np.savez_compressed`);
    /// metadata is written only to `.safetensors`. The file is replaced atomically.
    public func save(_ path: String, compressed: Bool = false) throws {
        let bytes: [UInt8]
        switch try TensorFileFormat(path: path) {
        case .npy:
            guard entries.count == 1 else {
                throw TensorIOError(file: path, problem: "a .npy file holds one tensor but \(entries.count) were given; use .npz or .safetensors")
            }
            bytes = NPYFormat.encode(entries[0].tensor)
        case .npz:
            bytes = try ZipArchive.write(entries.map { .init(name: $0.name + ".npy", bytes: NPYFormat.encode($0.tensor)) },
                                         compressed: compressed, file: path)
        case .safetensors:
            bytes = SafetensorsFormat.encode(self)
        case .pytorch:
            throw TensorIOError(file: path, problem: "GradLab does not write .pt; use .safetensors/.npz")
        }
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw TensorIOError(file: path, problem: "cannot write: \(error.localizedDescription)")
        }
    }

    static func readBytes(_ path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TensorIOError(file: path, problem: "no such file")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw TensorIOError(file: path, problem: isDirectory.boolValue ? "is a directory, not a tensor file" : "cannot read the file")
        }
        return [UInt8](data)
    }
}
