/// PyTorch checkpoints written by `torch.save` (`.pt`, `.pth`, `.bin`), read-only and never executed.
///
/// Layout (PyTorch ≥ 1.6, the zip format): a zip of stored members under one folder `<archive>/`:
/// `data.pkl` (a protocol-2 pickle of the saved object), `data/<key>` (one raw little-endian storage per
/// key, aligned to 64 bytes by padding in the local extra field), `byteorder` (`little`), `version`, and
/// possibly `.format_version`, `.storage_alignment`, `.data/serialization_id`.
///
/// `data.pkl` is interpreted by `PickleMachine`, which knows only plain data and an allow-list of names
/// (ordered dicts, `_rebuild_tensor_v2`, `_rebuild_parameter`, the storage classes); the state dict is
/// picked by `TorchCheckpoint`, and each of its tensors is read from its storage by `TorchStorage`.
/// The zip may not inflate to more than `maxInflation` times the file's size (torch writes stored members).
/// Only the selected state dict's storages are touched, and the elements read in total may not exceed
/// twice the file's byte count (every element takes at least one byte on disk, so only views repeating
/// a storage's elements, such as `expand()`, come near that).
///
/// The legacy format (PyTorch < 1.6, or `_use_new_zipfile_serialization=False`: a bare pickle stream
/// starting with the magic number 0x1950a86a20f9469cfc6c) is recognized and refused with the conversion.
public enum PyTorchFormat {
    /// Reads the state dict of a `torch.save` zip checkpoint; `checkpointKey` picks it from a checkpoint
    /// dict (see `TorchCheckpoint`). Errors are one line naming `file` and the offending item.
    public static func decode(_ bytes: [UInt8], file: String, checkpointKey: String? = nil) throws -> TensorArchive {
        func fail(_ p: String) -> TensorIOError { TensorIOError(file: file, problem: p) }
        let content = TensorFileContent(bytes)
        if let other = content.misnamed(as: .pytorch) { throw fail(other) }
        if content == .pickle, let legacy = legacyMessage(bytes) { throw fail(legacy) }
        let members = try ZipArchive.read(bytes, file: file, maxTotalSize: maxInflation * bytes.count)
        let pickles = members.filter { isPickle($0.name) }
        guard pickles.count == 1, let pickle = pickles.first else {
            if let problem = TensorFileContent.zipMisnamed(members.map(\.name), as: .pytorch) { throw fail(problem) }
            throw fail(pickles.isEmpty ? "not a torch.save checkpoint: the zip has no <archive>/data.pkl"
                                       : "the zip has \(pickles.count) <archive>/data.pkl members; a torch.save checkpoint has one")
        }
        let prefix = String(pickle.name.dropLast("data.pkl".count))
        var byName: [String: [UInt8]] = [:]
        for m in members where m.name.hasPrefix(prefix) {
            guard byName.updateValue(m.bytes, forKey: String(m.name.dropFirst(prefix.count))) == nil else {
                throw fail("the zip holds member '\(m.name)' twice")
            }
        }
        if byName.keys.contains(where: { $0.hasPrefix("code/") }) || byName["constants.pkl"] != nil {
            throw fail("a TorchScript archive (torch.jit.save), not a torch.save checkpoint; save model.state_dict() with torch.save")
        }
        if let order = byName["byteorder"], String(decoding: order, as: UTF8.self) != "little" {
            throw fail("byteorder is '\(String(decoding: order.prefix(16), as: UTF8.self))'; GradLab reads little-endian checkpoints only")
        }

        let graph = try PickleMachine.run(pickle.bytes, file: file)
        let entries = try TorchCheckpoint.stateDict(graph, checkpointKey: checkpointKey, file: file)
        var declared: [String: TorchStorageRef] = [:]
        var budget = bytes.count.multipliedReportingOverflow(by: 2).partialValue
        var archive = TensorArchive()
        for (name, ref) in entries {
            if let earlier = declared.updateValue(ref.storage, forKey: ref.storage.key), earlier != ref.storage {
                throw fail("tensor '\(name)': storage data/\(ref.storage.key) is declared as \(earlier.count) \(earlier.type.storageName) elements and as \(ref.storage.count) \(ref.storage.type.storageName)")
            }
            let tensor = try TorchStorage.tensor(ref, storage: byName["data/" + ref.storage.key], name: name, file: file, budget: &budget)
            archive.append(name: name, tensor)
        }
        return archive
    }

    /// Whether a zip member is a checkpoint's pickle, `<archive>/data.pkl`.
    static func isPickle(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts[1] == "data.pkl"
    }

    /// How many times its size a checkpoint's members may inflate to: torch.save stores members
    /// uncompressed, so only a re-zipped checkpoint inflates at all, and float data barely compresses.
    static let maxInflation = 4

    /// The first bytes of a legacy torch.save stream: PROTO 2, LONG1 of 10 bytes, the magic number.
    static let legacyMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    /// How to convert a legacy checkpoint, shared by every message that meets one.
    static let conversion = "re-save it with torch.save(obj, path) on PyTorch ≥ 1.6 (default _use_new_zipfile_serialization=True), "
        + "or export it to safetensors (safetensors.torch.save_file)"

    /// The message for a non-zip pickle stream (the legacy torch.save format or a bare pickle); nil otherwise.
    static func legacyMessage(_ bytes: [UInt8]) -> String? {
        guard bytes.first == 0x80 else { return nil }
        if bytes.starts(with: legacyMagic) {
            return "a legacy (PyTorch < 1.6, non-zip) torch.save file; GradLab reads the zip format only: \(conversion)"
        }
        return "a bare pickle stream, not a torch.save zip checkpoint; \(conversion)"
    }
}
