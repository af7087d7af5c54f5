import ArgumentParser
import ComplexModule
import Foundation
import Initializers
import Linalg
import TensorIO
import Plotting
import Recurrent

/// `gradlab inspect`: the spectrum of the weight matrices in a file.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Report spectral radius, singular values, conditioning and orthogonality of weight matrices.",
        discussion: """
        Reports every matrix (rank-2 tensor) of FILE, or only --tensor NAME. For an LSTM or GRU \
        weight_hh_l0 (cell from the file's metadata, else from its 4H×H or 3H×H shape) each gate block \
        is reported too. Then every tensor's parameter count and the total; for a PyTorch recurrent \
        state dict (any num_layers, bidirectional) each layer and direction beside the textbook \
        G·H(D+H+1) and PyTorch's G·H(D+H+2) (two bias vectors). A whole model's state dict (an \
        Embedding, an nn.LSTM under 'rnn.', a Linear) gets the same breakdown for its recurrent module \
        beside the whole model's total; --prefix rnn reports that module alone.
        """
    )


    @Argument(help: "A .pt/.pth/.bin (torch.save), .safetensors, .npz or .npy file.")
    var file: String
    @Option(help: "Only this tensor.")
    var tensor: String?
    @Option(help: "Only the tensors of this module (e.g. 'rnn' for rnn.weight_hh_l0, …).")
    var prefix: String?
    @Option(help: "The state dict inside a PyTorch checkpoint dict (e.g. 'model'); default: the only one.")
    var key: String?
    @Option(help: "Output format.")
    var format: ReportFormat = .text
    @Option(help: "Significant digits in text output.")
    var digits: Int = 6
    @Option(help: "Draw the eigenvalues (complex plane, unit circle) and the singular-value histogram to OUT.png, .svg or .pdf (first matrix, or --tensor).")
    var plot: String?

    func validate() throws {
        guard (1...17).contains(digits) else { throw ValidationError("--digits must be between 1 and 17, got \(digits).") }
        if let plot, OutputFormat(rawValue: (plot as NSString).pathExtension.lowercased()) == nil {
            throw ValidationError("--plot needs a file name ending in .png, .svg or .pdf, got '\(plot)'.")
        }
    }

    func run() throws {
        // TensorIOError and InitError are one line "<file>: <problem>"; ArgumentParser prints them as "Error: …".
        let (text, reports) = try output()
        print(text, terminator: format == .text ? "" : "\n")
        if let plot, let first = reports.first {
            try SpectrumChart(report: first, file: file).write(to: plot)
        }
    }

    /// The report (spectra, then parameter counts) as text or JSON, and the spectra.
    func output() throws -> (String, [TensorSpectrumReport]) {
        let archive = try TensorArchive.load(file, checkpointKey: key)
        let entries = try selectedEntries(archive)
        let reports = try TensorSpectrumReport.reports(archive: archive, names: entries.map(\.name), tensor: tensor, file: file)
        let counts = ParameterCounts(names: entries.map(\.name), shapes: entries.map(\.tensor.shape))
        return (try render(reports, counts, entries), reports)
    }

    /// The archive's entries, or those under `--prefix` (an error listing the modules when none is).
    func selectedEntries(_ archive: TensorArchive) throws -> [TensorArchive.Entry] {
        guard let prefix else { return archive.entries }
        let p = prefix.hasSuffix(".") ? prefix : prefix + "."
        let chosen = archive.entries.filter { $0.name.hasPrefix(p) }
        guard !chosen.isEmpty else {
            let modules = Set(archive.names.compactMap { n in n.firstIndex(of: ".").map { String(n[..<$0]) } }).sorted()
            throw UserError("\(file): no tensor name starts with '\(p)' (modules in the file: \(modules.isEmpty ? "none" : modules.joined(separator: ", ")))")
        }
        return chosen
    }

    func render(_ reports: [TensorSpectrumReport], _ counts: ParameterCounts, _ entries: [TensorArchive.Entry] = []) throws -> String {
        switch format {
        case .text: return InspectText(digits: digits).render(reports, file: file) + InspectText.render(counts) + lruText(entries)
        case .json: return try InspectJSON.render(reports, counts: counts, file: file)
        }
    }
}

extension InspectText {
    /// Counts per tensor and in total, and per recurrent unit beside G·H(D+H+1) and G·H(D+H+2).
    static func render(_ c: ParameterCounts) -> String {
        var out = "parameters\n"
        let width = max(c.entries.map(\.name.count).max() ?? 0, 5)
        for e in c.entries {
            out += "  " + e.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                + e.shape.map(String.init).joined(separator: "×").padding(toLength: 10, withPad: " ", startingAt: 0) + String(e.count).leftPadded(10) + "\n"
        }
        out += "  " + "total".padding(toLength: width + 12, withPad: " ", startingAt: 0) + String(c.total).leftPadded(10) + "\n"
        guard let first = c.units.first else { return out }
        let kind = [1: "RNN: H(D+H+1)", 3: "GRU: 3H(D+H+1)", 4: "LSTM: 4H(D+H+1)"][first.gates] ?? "G·H(D+H+1)"
        out += "  textbook count per layer and direction G·H(D_ℓ+H+1) (\(kind)); PyTorch keeps two bias vectors, b_ih and b_hh, "
        out += "one more H per gate block: G·H(D_ℓ+H+2)\n"
        for u in c.units {
            let label = "\(u.module)layer \(u.layer)\(u.reverse ? " reverse" : "")"
            out += "  \(label.padding(toLength: 16, withPad: " ", startingAt: 0)) G=\(u.gates) H=\(u.hiddenSize) D=\(u.inputSize): "
            out += "textbook \(u.textbook), PyTorch \(u.pyTorch), file \(u.count)\n"
        }
        var modules: [String] = []
        for u in c.units where !u.module.isEmpty && !modules.contains(u.module) { modules.append(u.module) }
        let named = modules.isEmpty ? "" : " (\(modules.map { "'\($0.dropLast())'" }.joined(separator: ", ")))"
        out += "  recurrent total\(named): textbook \(c.recurrentTextbook), PyTorch \(c.recurrentPyTorch), file \(c.recurrentCount); other tensors \(c.total - c.recurrentCount); model total \(c.total)\n"
        return out
    }
}

/// Aligned text: one block per tensor, gate blocks as extra columns.
struct InspectText {
    let digits: Int
    /// Eigenvalues and singular values printed in text (all of them go to JSON).
    let listLimit = 12

    func number(_ x: Double?) -> String {
        guard let x else { return "—" }
        return x.isFinite ? String(format: "%.\(digits)g", x) : (x > 0 ? "inf" : "-inf")
    }

    func render(_ reports: [TensorSpectrumReport], file: String) -> String {
        var out = ""
        for r in reports {
            let columns = [("all", r.whole)] + r.gates.map { ("gate \($0.name)", $0.report) }
            out += "\(file): '\(r.name)' \(r.whole.rows)×\(r.whole.cols)"
            out += r.layout.map { $0 == .rnn ? "" : " (\($0.rawValue): gates \($0.gateNames.joined(separator: ", ")))" } ?? ""
            out += "\n"
            let rows: [(String, (SpectrumReport) -> Double?)] = [
                ("spectral radius ρ", { $0.spectralRadius }), ("σ_max", { $0.sigmaMax }), ("σ_min", { $0.sigmaMin }),
                ("condition number", { $0.conditionNumber }), ("Frobenius norm", { $0.frobeniusNorm }),
                ("‖WᵀW − I‖_F", { $0.orthogonalityDefect }),
            ]
            let width = max(digits + 7, columns.map(\.0.count).max() ?? 0)
            out += "  " + "".padding(toLength: 20, withPad: " ", startingAt: 0)
                + columns.map { $0.0.leftPadded(width) }.joined(separator: "  ") + "\n"
            for (label, value) in rows {
                out += "  " + label.padding(toLength: 20, withPad: " ", startingAt: 0)
                    + columns.map { number(value($0.1)).leftPadded(width) }.joined(separator: "  ") + "\n"
            }
            let w = r.whole
            if !w.eigenvalues.isEmpty {
                let sorted = w.eigenvalues.sorted { $0.length > $1.length }
                let shown = sorted.prefix(listLimit).map { z in
                    z.imaginary == 0 ? number(z.real) : "\(number(z.real))\(z.imaginary < 0 ? "−" : "+")\(number(abs(z.imaginary)))i"
                }
                out += "  eigenvalues (\(sorted.count), largest |λ| first): " + shown.joined(separator: ", ")
                out += sorted.count > listLimit ? ", … (--format json for all)\n" : "\n"
            }
            out += "  singular values (\(w.singularValues.count)): " + w.singularValues.prefix(listLimit).map { number($0) }.joined(separator: ", ")
            out += w.singularValues.count > listLimit ? ", … (--format json for all)\n" : "\n"
        }
        return out
    }
}

/// JSON: {"file", "tensors": [{name, shape, …, "eigenvalues": [[re, im], …], "gates": [{gate, …}]}],
/// "parameters": {"tensors": [{name, shape, count}], "total", "units": [{module, layer, direction, gates,
/// hidden_size, input_size, count, textbook, pytorch}], "recurrent_textbook", "recurrent_pytorch", "recurrent_count"}}.
/// A condition number of +∞ (σ_min = 0) is null; any other non-finite number is null with a
/// `<key>_nonfinite` sibling (`JSONValue`).
enum InspectJSON {
    static func stats(_ r: SpectrumReport) -> [String: Any] {
        [
            "shape": [r.rows, r.cols],
            "spectral_radius": r.spectralRadius.map { $0 as Any } ?? NSNull(),
            "sigma_max": r.sigmaMax,
            "sigma_min": r.sigmaMin,
            "condition_number": r.conditionNumber.isFinite ? r.conditionNumber as Any : NSNull(),
            "frobenius_norm": r.frobeniusNorm,
            "orthogonality_defect": r.orthogonalityDefect,
            "eigenvalues": r.eigenvalues.map { [$0.real, $0.imaginary] },
            "singular_values": r.singularValues,
        ]
    }

    static func parameters(_ c: ParameterCounts) -> [String: Any] {
        [
            "tensors": c.entries.map { ["name": $0.name, "shape": $0.shape, "count": $0.count] as [String: Any] },
            "total": c.total,
            "units": c.units.map { u in
                ["module": u.module, "layer": u.layer, "direction": u.reverse ? "reverse" : "forward", "gates": u.gates,
                 "hidden_size": u.hiddenSize, "input_size": u.inputSize, "count": u.count, "textbook": u.textbook,
                 "pytorch": u.pyTorch] as [String: Any]
            },
            "recurrent_textbook": c.recurrentTextbook,
            "recurrent_pytorch": c.recurrentPyTorch,
            "recurrent_count": c.recurrentCount,
        ]
    }

    static func render(_ reports: [TensorSpectrumReport], counts: ParameterCounts = ParameterCounts(names: [], shapes: []), file: String) throws -> String {
        let tensors: [[String: Any]] = reports.map { r in
            var entry = stats(r.whole)
            entry["name"] = r.name
            entry["layout"] = r.layout.map { $0.rawValue as Any } ?? NSNull()
            entry["gates"] = r.gates.map { g in
                var gate = stats(g.report)
                gate["gate"] = g.name
                return gate
            }
            return entry
        }
        return JSONValue(["file": file, "tensors": tensors, "parameters": parameters(counts)] as [String: Any]).rendered(pretty: true)
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}

/// `inspect --plot`: eigenvalues in the complex plane beside the singular-value histogram, with the
/// quarter-circle law overlaid when the matrix looks i.i.d. Gaussian.
struct SpectrumChart {
    let report: TensorSpectrumReport
    let file: String

    func write(to path: String) throws {
        let w = report.whole
        var panels: [Axes] = []
        if !w.eigenvalues.isEmpty {
            let eig = Recipe.eigenvalues(EigenvaluesChart(sets: [EigenvalueSet(real: w.eigenvalues.map(\.real),
                                                                               imag: w.eigenvalues.map(\.imaginary),
                                                                               label: "eigenvalues")]))
            panels += eig.panels
        }
        // Plotting's quarter-circle law is parametrised by σ, the entries' scale: radius R = 2σ.
        let theory = w.quarterCircleRadius.map { QuarterCircleLaw.curve(sigma: $0 / 2) }
        panels += Recipe.singularValues(SingularValuesChart(values: w.singularValues, theory: theory)).panels
        let name = (file as NSString).lastPathComponent
        let figure = Figure(width: 460 * Double(panels.count), height: 360, rows: 1, columns: panels.count, panels: panels,
                            title: "\(name): '\(report.name)' (\(w.rows)×\(w.cols))")
        let format = OutputFormat(rawValue: (path as NSString).pathExtension.lowercased()) ?? .png
        for warning in try figure.write(to: path, format: format) {
            warn("\(path): \(warning)")
        }
        FileHandle.standardError.write(Data("chart: \(path)\n".utf8))
    }
}
