/// What a file's first bytes say it is, whatever its extension: so that a torch.save checkpoint named
/// `m.safetensors` is reported as "looks like a PyTorch zip checkpoint (torch.save), not safetensors;
/// rename it to .pt" rather than as a safetensors header of 578712552184433488 bytes.
///
/// Signatures: `\x93NUMPY` (.npy), `PK\x03\x04` or `PK\x05\x06` (zip: .npz, or .pt when it holds
/// `<archive>/data.pkl`), `\x80` (a pickle stream: the legacy torch.save format), and an 8-byte length
/// that fits the file followed by `{` (safetensors).
enum TensorFileContent: Equatable {
    case npy, zip, pickle, safetensors, unknown

    init(_ bytes: [UInt8]) {
        if bytes.starts(with: NPYFormat.magic) {
            self = .npy
        } else if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
            self = .zip
        } else if bytes.first == 0x80 {
            self = .pickle
        } else if bytes.count >= 10, readLE(bytes[...], 0, as: UInt64.self) <= UInt64(bytes.count - 8), bytes[8] == UInt8(ascii: "{") {
            self = .safetensors
        } else {
            self = .unknown
        }
    }

    /// The problem when content of this kind is read as `format`; nil when they agree (or nothing is
    /// known). A zip is told apart by its members: `<archive>/data.pkl` is torch.save, `.npy` is NumPy.
    func misnamed(as format: TensorFileFormat, bytes: [UInt8] = []) -> String? {
        let named = switch format {
        case .npy: ".npy"
        case .npz: ".npz"
        case .safetensors: "safetensors"
        case .pytorch: "a torch.save checkpoint"
        }
        switch (self, format) {
        case (.unknown, _), (.npy, .npy), (.zip, .npz), (.zip, .pytorch), (.safetensors, .safetensors), (.pickle, .pytorch):
            return nil
        case (.pickle, _):
            return "looks like a legacy PyTorch checkpoint (a pickle stream), not \(named); \(PyTorchFormat.conversion)"
        case (.npy, _):
            return "looks like a NumPy .npy file, not \(named); rename it to .npy"
        case (.safetensors, _):
            return "looks like a safetensors file, not \(named); rename it to .safetensors"
        case (.zip, _):
            let names = (try? ZipArchive.read(bytes, file: "", maxTotalSize: PyTorchFormat.maxInflation * bytes.count)).map { $0.map(\.name) } ?? []
            if names.contains(where: { $0.split(separator: "/").last == "data.pkl" }) {
                return "looks like a PyTorch zip checkpoint (torch.save), not \(named); rename it to .pt"
            }
            if !names.isEmpty, names.allSatisfy({ $0.hasSuffix(".npy") }) {
                return "looks like a NumPy .npz archive, not \(named); rename it to .npz"
            }
            return "looks like a zip archive, not \(named)"
        }
    }
}
