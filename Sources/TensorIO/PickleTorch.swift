/// What REDUCE and BINPERSID may do in `PickleMachine`: build the description of an ordered dict, a
/// storage or a tensor view from the arguments `torch.save` writes. These are the only "calls" the
/// machine knows, and none of them runs code from the file.
extension PickleMachine {
    /// REDUCE `callable(*args)` for an allowed callable:
    /// - `collections.OrderedDict()` → an empty dict (SETITEMS fills it);
    /// - `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`
    ///   → a tensor view;
    /// - `torch._utils._rebuild_parameter(tensor, requires_grad, backward_hooks)` (and `…_with_state`,
    ///   one more `state` argument) → the tensor (nn.Parameter is only a flag on it).
    mutating func reduce(_ callable: PickleValue, _ args: PickleValue, _ at: Int) throws -> PickleValue {
        guard case .global(let g) = callable else { throw fail("REDUCE at byte \(at) calls \(callable.kind), not an allowed global") }
        guard case .tuple(let t) = args else { throw fail("REDUCE at byte \(at): the arguments of \(g.qualifiedName) are \(args.kind), not a tuple") }
        let a = t.items
        switch g {
        case .orderedDict:
            guard a.isEmpty else { throw fail("collections.OrderedDict at byte \(at) is called with arguments; torch.save writes OrderedDict()") }
            return newDict()
        case .rebuildTensorV2:
            return .tensor(try rebuildTensor(a, at))
        case .rebuildParameter, .rebuildParameterWithState:
            let n = g == .rebuildParameter ? 3 : 4
            guard a.count == n, case .tensor(let tensor) = a[0], case .bool = a[1] else {
                throw fail("\(g.qualifiedName) at byte \(at) needs (tensor, requires_grad, backward_hooks\(n == 4 ? ", state" : "")), got \(a.count) arguments")
            }
            try checkHooks(a[2], g, at)
            return .tensor(tensor)
        case .storageType(let s):
            throw fail("torch.\(s.storageName) at byte \(at) is called; storages appear only in persistent ids")
        }
    }

    private func rebuildTensor(_ a: [PickleValue], _ at: Int) throws -> TorchTensorRef {
        let name = TorchGlobal.rebuildTensorV2.qualifiedName
        guard a.count == 6 || a.count == 7 else {
            throw fail("\(name) at byte \(at) needs (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]), got \(a.count) arguments")
        }
        guard case .storage(let storage) = a[0] else { throw fail("\(name) at byte \(at): the storage is \(a[0].kind)") }
        guard case .int(let offset) = a[1], offset >= 0, let off = Int(exactly: offset) else {
            throw fail("\(name) at byte \(at): storage_offset must be a non-negative int, got \(describe(a[1]))")
        }
        let size = try dims(a[2], "size", at), stride = try dims(a[3], "stride", at)
        guard size.count == stride.count else {
            throw fail("\(name) at byte \(at): size \(Tensor.describe(size)) and stride \(Tensor.describe(stride)) differ in rank")
        }
        guard case .bool = a[4] else { throw fail("\(name) at byte \(at): requires_grad is \(a[4].kind), not a bool") }
        try checkHooks(a[5], .rebuildTensorV2, at)
        return TorchTensorRef(storage: storage, offset: off, size: size, stride: stride)
    }

    /// A tuple of non-negative ints (a size or a stride).
    private func dims(_ v: PickleValue, _ what: String, _ at: Int) throws -> [Int] {
        guard case .tuple(let t) = v else { throw fail("tensor \(what) at byte \(at) is \(v.kind), not a tuple of ints") }
        return try t.items.map { item in
            guard case .int(let d) = item, d >= 0, let n = Int(exactly: d) else {
                throw fail("tensor \(what) at byte \(at) has \(describe(item)); sizes and strides must be non-negative ints")
            }
            return n
        }
    }

    /// backward_hooks must be an empty (ordered) dict: a saved hook would be a function, which we refuse anyway.
    private func checkHooks(_ v: PickleValue, _ g: TorchGlobal, _ at: Int) throws {
        guard case .dict = v else { throw fail("\(g.qualifiedName) at byte \(at): backward_hooks is \(v.kind), not a dict") }
    }

    /// BINPERSID with the id `torch.save` writes for a storage: `('storage', torch.<T>Storage, key, location, numel)`.
    mutating func persistentID(_ pid: PickleValue, _ at: Int) throws -> TorchStorageRef {
        guard case .tuple(let t) = pid, t.items.count == 5, case .string("storage") = t.items[0] else {
            throw fail("persistent id at byte \(at) is not a torch storage ('storage', type, key, location, numel)")
        }
        guard case .global(.storageType(let type)) = t.items[1] else {
            throw fail("persistent id at byte \(at): the storage type is \(t.items[1].kind), not a torch storage class")
        }
        guard case .string(let key) = t.items[2], case .string = t.items[3] else {
            throw fail("persistent id at byte \(at): the storage key and location must be strings")
        }
        guard case .int(let n) = t.items[4], n >= 0, let count = Int(exactly: n) else {
            throw fail("persistent id at byte \(at): storage '\(key)' has element count \(describe(t.items[4]))")
        }
        return TorchStorageRef(key: key, type: type, count: count)
    }

    private func describe(_ v: PickleValue) -> String {
        if case .int(let i) = v { return String(i) }
        return v.kind
    }
}
