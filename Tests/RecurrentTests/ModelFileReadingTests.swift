import Testing
@testable import Recurrent

/// `ModelFileReading` on names and shapes alone: which module, cell and head a state dict implies,
/// and the refusals that list what the file holds.
@Suite("reading a state dict")
struct ModelFileReadingTests {
    func reading(_ tensors: [(String, [Int])], metadata: [String: String] = [:], cell: CellFamily? = nil,
                 prefix: String? = nil, head: String? = nil) throws -> ModelFileReading {
        try ModelFileReading(path: "m.pt", names: tensors.map(\.0), shapes: Dictionary(uniqueKeysWithValues: tensors),
                             metadata: metadata, cell: cell, prefix: prefix, head: head)
    }

    /// nn.Embedding(100, 8) + nn.GRU(8, 8, bidirectional) + Linear(16, 2), in registration order.
    let classifier: [(String, [Int])] = [
        ("embedding.weight", [100, 16]),
        ("rnn.weight_ih_l0", [24, 16]), ("rnn.weight_hh_l0", [24, 8]), ("rnn.bias_ih_l0", [24]), ("rnn.bias_hh_l0", [24]),
        ("rnn.weight_ih_l0_reverse", [24, 16]), ("rnn.weight_hh_l0_reverse", [24, 8]),
        ("fc.weight", [2, 16]), ("fc.bias", [2]),
    ]

    @Test func cellModuleAndHeadAreInferred() throws {
        // The embedding also has 16 columns (= dirs·H); the Linear stored after the RNN is chosen.
        let r = try reading(classifier)
        #expect(r.prefix == "rnn." && r.cell == .gru && r.head == "fc")
        #expect(r.selection.map(\.model) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                             "weight_ih_l0_reverse", "weight_hh_l0_reverse", "head.weight", "head.bias"])
        #expect(r.notes.count == 3)
        #expect(try reading(classifier, head: "embedding").head == "embedding")
        #expect(try reading(classifier, prefix: "rnn").prefix == "rnn.")
    }

    @Test func ambiguityAndConflictsAreErrorsThatList() throws {
        var twoRNNs = classifier
        twoRNNs.append(("decoder.weight_ih_l0", [24, 8]))
        twoRNNs.append(("decoder.weight_hh_l0", [24, 8]))
        #expect(throws: RecurrentError("m.pt: several recurrent modules ('rnn.', 'decoder.'): choose one with --prefix")) { try reading(twoRNNs) }
        #expect(try reading(twoRNNs, prefix: "decoder").prefix == "decoder.")
        #expect(throws: RecurrentError("m.pt: no recurrent module at prefix 'enc' (no 'enc.weight_hh_l0'; recurrent modules found: 'rnn.')")) {
            try reading(classifier, prefix: "enc")
        }
        #expect(throws: RecurrentError("m.pt: --cell lstm, but 'rnn.weight_hh_l0' is 24×8; a lstm cell needs 4·H × H (the shape says gru)")) {
            try reading(classifier, cell: .lstm)
        }
        #expect(throws: RecurrentError("m.pt: the file's metadata cell = rnn, but 'rnn.weight_hh_l0' is 24×8; a rnn cell needs 1·H × H (the shape says gru)")) {
            try reading(classifier, metadata: ["cell": "rnn"])
        }
        #expect(throws: RecurrentError("m.pt: '…' is 5×3, which is no cell's G·H × H (rnn H×H, gru 3H×H, lstm 4H×H)".replacingOccurrences(of: "…", with: "weight_hh_l0"))) {
            try reading([("weight_ih_l0", [5, 2]), ("weight_hh_l0", [5, 3])])
        }
        #expect(throws: RecurrentError("m.pt: no module 'out' with a weight matrix ('out.weight'); head candidates (weight with 16 columns, the top layer's width): 'embedding' (100×16), 'fc' (2×16)")) {
            try reading(classifier, head: "out")
        }
        var wide = classifier
        wide.append(("proj.weight", [3, 8]))
        #expect(throws: RecurrentError("m.pt: 'proj.weight' is 3×8, but a head reading the top layer needs 16 columns (O × 16); candidates: 'embedding' (100×16), 'fc' (2×16)")) {
            try reading(wide, head: "proj")
        }
        // Two read-outs after the RNN: none is guessed, both are named.
        var twoHeads = classifier
        twoHeads.append(("aux.weight", [5, 16]))
        let r = try reading(twoHeads)
        #expect(r.head == nil && r.notes.last == "no head used: several modules could read the top layer ('embedding' (100×16), 'fc' (2×16), 'aux' (5×16)); choose one with --head NAME")
    }
}
