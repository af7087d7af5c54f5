import ArgumentParser
import Foundation
import Initializers
import Linalg
import Recurrent
import TensorIO

extension FanMode: ExpressibleByArgument {}
extension Nonlinearity: ExpressibleByArgument {}
extension CellFamily: ExpressibleByArgument {}

/// The InitSpec options, named like the YAML keys in kebab-case, shared by commands that build weights.
struct InitSpecOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The initializer: \(InitKind.list). Omit it when giving --singular-values or --eigenvalue-moduli/--eigenvalue-phases.",
                               valueName: "kind"))
    var kind: String?
    @Option(help: "gaussian: N(0, std²); sparse: std of the non-zeros (default 1).")
    var std: Double?
    @Option(help: "gaussian: N(0, gain²/fan_in); xavier, orthogonal: PyTorch's gain; other kinds: a scalar factor.")
    var gain: Double?
    @Option(help: "uniform: lower bound (default 0).")
    var a: Double?
    @Option(help: "uniform: upper bound (default 1).")
    var b: Double?
    @Option(help: "identity: scale·I (default 1).")
    var scale: Double?
    @Option(help: "kaiming: which fan to preserve (default fan_in).")
    var mode: FanMode?
    @Option(help: "kaiming: the nonlinearity whose gain is used (default leaky-relu).")
    var nonlinearity: Nonlinearity?
    @Option(help: "kaiming with leaky-relu: the negative slope (default 0).")
    var negativeSlope: Double?
    @Option(help: "sparse: non-zero weights per row.")
    var nonzeros: Int?
    @Option(help: "file: a .npy, .npz or .safetensors file to read the matrix from.")
    var path: String?
    @Option(help: "Rescale to this spectral radius ρ(W).")
    var spectralRadius: Double?
    @Option(help: "Rescale to this spectral norm σ_max(W).")
    var spectralNorm: Double?
    @Option(help: "Build U·diag(s)·Vᵀ with Haar U, V: a list '1,0.5,0.25', 'constant(c)' or 'uniform(a, b)'.")
    var singularValues: String?
    @Option(help: "Eigenvalue moduli |λ| of a real normal W: a list, 'constant(r)' or 'uniform(a, b)'.")
    var eigenvalueModuli: String?
    @Option(help: "Eigenvalue phases arg λ in radians: a list (complex ones in conjugate pairs), 'constant(θ)' or 'uniform(a, b)'.")
    var eigenvaluePhases: String?
    @Option(help: "chain: the self-connection d of d·I + gain·S (default 0).")
    var diagonal: Double?
    @Option(help: "schur: scale s of the strictly upper-triangular part, N_ij ~ N(0, s²/n) (default 1).")
    var offDiagonal: Double?

    /// The spec these flags describe; `tensor` is the file kind's tensor name. Errors name the flag.
    func spec(tensor: String?) throws -> InitSpec {
        func values(_ text: String?, _ flag: String) throws -> SpectrumValues? {
            guard let text else { return nil }
            do { return try SpectrumValues(parsing: text) } catch let e as InitError {
                throw ValidationError("--\(flag): \(e.message).")
            }
        }
        let kind: InitKind?
        do { kind = try self.kind.map(InitKind.init(parsing:)) } catch let e as InitError {
            throw ValidationError("--kind: \(e.message).")
        }
        let spec = InitSpec(kind: kind, std: std, gain: gain, a: a, b: b, scale: scale, mode: mode,
                            nonlinearity: nonlinearity, negativeSlope: negativeSlope, nonzeros: nonzeros, path: path,
                            tensor: kind == .file ? tensor : nil, spectralRadius: spectralRadius, spectralNorm: spectralNorm,
                            singularValues: try values(singularValues, "singular-values"),
                            eigenvalueModuli: try values(eigenvalueModuli, "eigenvalue-moduli"),
                            eigenvaluePhases: try values(eigenvaluePhases, "eigenvalue-phases"),
                            diagonal: diagonal, offDiagonal: offDiagonal)
        do { try spec.validate() } catch let e as InitError {
            throw ValidationError(InitCommand.flagged(e.message))
        }
        return spec
    }
}

/// `gradlab init`: writes one initialised weight matrix to a file or into a model file.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write an initialised weight matrix (PyTorch's initializers, Haar orthogonal, prescribed spectra).",
        discussion: """
        The flags are the experiment file's init keys in kebab-case (spectral_radius → --spectral-radius), \
        so what works in an experiment works here. With --cell lstm or gru the matrix has G·H rows and \
        every H-row gate block is initialised on its own. Random numbers: stream 0 of --seed.
        Examples:
          gradlab init --kind orthogonal --size 64 -o W.npy
          gradlab init --kind gaussian --gain 1 --spectral-radius 1.1 --size 128 --into model.safetensors --tensor weight_hh_l0
          gradlab init --eigenvalue-moduli 'constant(0.9)' --size 32 -o W.npy
        """
    )

    @OptionGroup var spec: InitSpecOptions

    @Option(help: "Hidden size H: the matrix (or each gate block) has H rows.")
    var size: Int
    @Option(help: "Columns D (default H, as for weight_hh).")
    var cols: Int?
    @Option(help: "Experiment seed (the matrix uses its stream 0).")
    var seed: UInt64 = 0
    @Option(help: "Gate layout: the matrix stacks 1 (rnn), 4 (lstm: i, f, g, o) or 3 (gru: r, z, n) blocks.")
    var cell: CellFamily = .rnn
    @Option(name: [.short, .customLong("output")], help: "Write a new file (.npy, .npz or .safetensors).")
    var output: String?
    @Option(help: "Add or replace the tensor in this model file (.npz or .safetensors; created if missing).")
    var into: String?
    @Option(help: "Tensor name in the written file (default 'weight'; required with --into), and in --path for kind file.")
    var tensor: String?

    func validate() throws {
        guard size > 0 else { throw ValidationError("--size must be a positive hidden size, got \(size).") }
        if let cols, cols <= 0 { throw ValidationError("--cols must be positive, got \(cols).") }
        switch (output, into) {
        case (nil, nil): throw ValidationError("Say where to write the matrix: -o FILE or --into MODEL --tensor NAME.")
        case (_?, _?): throw ValidationError("Give either -o or --into, not both.")
        case (nil, _?) where tensor == nil: throw ValidationError("--into needs --tensor NAME (e.g. --tensor weight_hh_l0).")
        default: break
        }
        _ = try spec.spec(tensor: tensor)
    }

    func run() throws {
        let initSpec = try spec.spec(tensor: tensor)
        var rng = RandomStream(seed: seed, stream: 0)
        let w: Matrix
        do {
            w = try initSpec.make(layout: cell, hidden: size, cols: cols ?? size, rng: &rng)
        } catch let e as InitError {
            throw InitError(InitCommand.flagged(e.message))
        }
        let name = tensor ?? "weight"
        if let into {
            var archive = FileManager.default.fileExists(atPath: into) ? try TensorArchive.load(into) : TensorArchive()
            archive[name] = Tensor(w)
            if cell != .rnn, archive.metadata["cell"] == nil { archive.metadata["cell"] = cell.rawValue }
            try archive.save(into)
            print("\(into): wrote '\(name)' \(w.shapeDescription)")
        } else if let output {
            try TensorArchive([(name, Tensor(w))], metadata: cell != .rnn ? ["cell": cell.rawValue] : [:]).save(output)
            print("\(output): wrote \(w.shapeDescription)")
        }
    }

    /// Rewrites YAML key names in a spec message as the flags the user typed (spectral_radius → --spectral-radius).
    /// A key is rewritten where it stands as a word (after a space or at the start, before a space, comma,
    /// semicolon, period or the end); `a`, `b` and `tensor` are left alone because they are also English.
    static func flagged(_ message: String) -> String {
        var m = message
        for key in InitSpec.knownKeys.subtracting(["a", "b", "tensor"]) {
            let flag = "--" + key.replacingOccurrences(of: "_", with: "-")
            m = m.replacingOccurrences(of: "(?<=^|[ /])\(key)(?=$|[ ,;.])", with: flag, options: .regularExpression)
        }
        return m.hasSuffix(".") ? m : m + "."
    }
}
