/// What a file's first bytes say it is, whatever its extension: so that a torch.save checkpoint named
/// `m.safetensors` is reported as "looks like a PyTorch zip checkpoint (torch.save), not safetensors;
/// rename it to .pt" rather than as a safetensors header of 578712552184433488 bytes.
///
/// Signatures: `\x93NUMPY` (.npy), `PK\x03\x04` or `PK\x05\x06` (zip: .npz, or .pt when it holds
/// `<archive>/data.pkl`), an 8-byte length that fits the file followed by `{` (safetensors; tested before
/// pickle, since such a length can start with 0x80), and PROTO 2–5 (`\x80\x02`…: a pickle stream, the
/// legacy torch.save format).
enum TensorFileContent: Equatable {
    case npy, zip, pickle, safetensors, unknown

    init(_ bytes: [UInt8]) {
        if bytes.starts(with: NPYFormat.magic) {
            self = .npy
        } else if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
            self = .zip
        } else if bytes.count >= 10, readLE(bytes[...], 0, as: UInt64.self) <= UInt64(bytes.count - 8), bytes[8] == UInt8(ascii: "{") {
            self = .safetensors // before pickle: a header of 128 + 256k bytes starts with 0x80 too
        } else if bytes.count >= 2, bytes[0] == 0x80, (2...5).contains(bytes[1]) {
            self = .pickle
        } else {
            self = .unknown
        }
    }

    /// The problem when content of this kind is read as `format`; nil when they agree (or nothing is
    /// known). A zip is told apart by its members (`zipMisnamed`).
    func misnamed(as format: TensorFileFormat, bytes: [UInt8] = []) -> String? {
        switch (self, format) {
        case (.unknown, _), (.npy, .npy), (.zip, .npz), (.zip, .pytorch), (.safetensors, .safetensors), (.pickle, .pytorch):
            return nil
        case (.pickle, _):
            return "looks like a legacy PyTorch checkpoint (a pickle stream), not \(format.contentName); \(PyTorchFormat.conversion)"
        case (.npy, _):
            return "looks like a NumPy .npy file, not \(format.contentName); rename it to .npy"
        case (.safetensors, _):
            return "looks like a safetensors file, not \(format.contentName); rename it to .safetensors"
        case (.zip, _):
            let members = try? ZipArchive.read(bytes, file: "", maxTotalSize: PyTorchFormat.maxInflation * bytes.count)
            return TensorFileContent.zipMisnamed(members?.map(\.name) ?? [], as: format)
        }
    }

    /// The problem when a zip with these members is read as `format`: `<archive>/data.pkl` is torch.save,
    /// only `.npy` members is NumPy; nil when they agree.
    static func zipMisnamed(_ names: [String], as format: TensorFileFormat) -> String? {
        if format != .pytorch, names.contains(where: PyTorchFormat.isPickle) {
            return "looks like a PyTorch zip checkpoint (torch.save), not \(format.contentName); rename it to .pt"
        }
        if format != .npz, !names.isEmpty, names.allSatisfy({ $0.hasSuffix(".npy") }) {
            return "looks like a NumPy .npz archive, not \(format.contentName); rename it to .npz"
        }
        return format == .npz || format == .pytorch ? nil : "looks like a zip archive, not \(format.contentName)"
    }
}

extension TensorFileFormat {
    /// How messages name the format ("not safetensors", "not a torch.save checkpoint").
    var contentName: String {
        switch self {
        case .npy: ".npy"
        case .npz: ".npz"
        case .safetensors: "safetensors"
        case .pytorch: "a torch.save checkpoint"
        }
    }
}
