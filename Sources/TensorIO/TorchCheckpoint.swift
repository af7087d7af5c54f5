/// Finding the state dict in what `data.pkl` holds.
///
/// - A bare state dict: a dict (or OrderedDict) whose keys are all strings and whose values are all
///   tensors (`model.state_dict()`), read as is.
/// - A checkpoint dict (`{"model": state_dict, "optimizer": {...}, "epoch": 3}`): the value under
///   `checkpointKey`, or, without one, the only top-level value that is a non-empty dict of tensors.
///   None or several such values is an error listing the keys. Every other value (optimizer state,
///   epochs, learning rates, strings, nested dicts) was parsed as plain data and is ignored: its tensors
///   are never read.
///
/// Tensor names keep their dots (`rnn.weight_hh_l0`, `fc.weight`) and the file's order.
enum TorchCheckpoint {
    static func stateDict(_ g: PickleGraph, checkpointKey: String?, file: String) throws -> [(String, TorchTensorRef)] {
        func fail(_ p: String) -> TensorIOError { TensorIOError(file: file, problem: p) }
        guard case .dict(let root) = g.root else {
            throw fail("data.pkl holds \(g.root.kind), not a state dict (a dict of tensors) or a checkpoint dict holding one")
        }
        let top = g.dicts[root]
        if let sd = tensors(top) {
            if let checkpointKey {
                throw fail("the file is a bare state dict (\(sd.count) tensors), not a checkpoint; drop the checkpoint key '\(checkpointKey)'")
            }
            return sd
        }
        guard !top.keys.isEmpty else { throw fail("data.pkl holds an empty dict: no tensors") }
        let listing = TensorIOError.list(top.keys.lazy.map(\.description))
        if let checkpointKey {
            guard let value = top[.string(checkpointKey)] else {
                throw fail("the checkpoint has no key '\(checkpointKey)'; its keys are \(listing)")
            }
            guard case .dict(let id) = value, let sd = tensors(g.dicts[id]) else {
                throw fail("the checkpoint's '\(checkpointKey)' holds \(value.kind)\(isDict(value) ? " that is not all tensors" : ""), not a state dict")
            }
            return sd
        }
        let candidates: [(PickleKey, [(String, TorchTensorRef)])] = zip(top.keys, top.values).compactMap { key, value in
            guard case .dict(let id) = value, let sd = tensors(g.dicts[id]) else { return nil }
            return (key, sd)
        }
        switch candidates.count {
        case 1:
            return candidates[0].1
        case 0:
            throw fail("no state dict in the checkpoint: none of its keys (\(listing)) holds a dict of tensors")
        default:
            let names = candidates.map(\.0.description)
            let list = names.count == 2 ? "\(names[0]) and \(names[1]) both" : TensorIOError.list(names) + " all"
            throw fail("ambiguous checkpoint: \(list) hold state dicts; choose one with the checkpoint key (TensorArchive.load(path, checkpointKey:))")
        }
    }

    /// The (name, tensor) pairs of a non-empty dict of string keys and tensor values; nil otherwise.
    private static func tensors(_ d: PickleDict) -> [(String, TorchTensorRef)]? {
        guard !d.keys.isEmpty else { return nil }
        var out: [(String, TorchTensorRef)] = []
        out.reserveCapacity(d.keys.count)
        for (k, v) in zip(d.keys, d.values) {
            guard case .string(let name) = k, case .tensor(let t) = v else { return nil }
            out.append((name, t))
        }
        return out
    }

    private static func isDict(_ v: PickleValue) -> Bool { if case .dict = v { true } else { false } }
}
