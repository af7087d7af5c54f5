/// The caption of a declared chart: what it draws and how to read it, in plain text (no markup), built
/// from the metric catalog's titles so a caption never names a quantity differently from the chart's axes.
/// `gradlab report` prints it under each chart.
extension PlotRecipe {
    /// The caption of `plot` (this recipe), reading `metric` on its value axis where the recipe draws a
    /// choice of metrics (norm-vs-lag, phase-heatmap; nil: the recipe's default).
    public func caption(for plot: PlotSpec, metric: Metric? = nil) -> String {
        let colour = plot.color.map { " Colour: \(plain(ParameterTitle.title(for: $0)))." } ?? ""
        let facet = plot.facet.map { " One panel per \(plain(ParameterTitle.title(for: $0)))." } ?? ""
        let channels = colour + facet
        let scale = (plot.scale ?? .perFacet) == .shared ? " One colour range for every panel and file (scale: shared)."
            : " Each panel its own colour range (scale: per-facet, the default)."
        switch self {
        case .normVsLag:
            let drawn = metric ?? .jacobianNormLog10
            let theory = drawn == .contributionLog10 ? ""
                : " Dashed: \(Metric.spectralPowerLog10.plainTitle); dotted: the Pascanu bound \(Metric.pascanuBoundLog10.plainTitle)."
                    + (drawn == .jacobianNormLog10 ? " For a diagonal cell (IndRNN: m_j = |u_j|) both are replaced by its closed form, dash-dotted: \(Metric.diagonalPowerLog10.plainTitle)." : "")
            return "\(drawn.plainTitle) against the lag k = T − t, one line per grid point (mean of its replicates, min–max band)."
                + theory + channels
                + " A straight falling line is exponential vanishing, a rising one exploding; its slope is \(Metric.slopeLog10PerStep.plainTitle) (\(Metric.slopeLog10PerStep.unit))."
        case .phaseHeatmap:
            let drawn = metric ?? .jacobianNormLog10
            let y = plot.y.map { $0 == "lag" ? "the lag k = T − t" : plain(ParameterTitle.title(for: $0)) } ?? "the lag k = T − t"
            let x = plot.x.map { plain(ParameterTitle.title(for: $0)) } ?? "the swept value"
            return "\(drawn.plainTitle) over \(x) (across) and \(y) (up), replicates and other swept values averaged."
                + " Blue: vanishing (below 0), red: exploding (above 0); the black contour is the norm = 1 boundary." + facet + scale
        case .depthTimeHeatmap:
            return "\(Metric.gradNormLog10.plainTitle) of every layer ℓ (up) at every step t (across), one panel per grid point."
                + " Blue: the gradient has vanished on its way back in time or down the stack; an exactly zero gradient has its own colour." + facet + scale
        case .depthProfile:
            return "\(Metric.depthJacobianNormLog10.plainTitle) against the layers crossed d at the last step T, one line per grid point (mean, min–max band)."
                + " A falling line: the gradient vanishes down the stack." + channels
        case .singularValues:
            return "Histograms of \(Metric.singularValueLog10.plainTitle) at the largest recorded lag, one per grid point, pooling only its replicates."
                + " A spread over many decades means a few directions carry the gradient and the rest have vanished." + facet
        case .lyapunov:
            return "\(Metric.lyapunov.plainTitle) (\(Metric.lyapunov.unit)) against its index i, largest first."
                + " \(Metric.lambdaMax.plainTitle) > 0: nearby states separate (chaos, exploding gradients); all < 0: they contract (vanishing)." + channels
        case .lossCurves:
            let drawn = plot.y.flatMap(Metric.named) ?? .evalLoss
            return "\(drawn.plainTitle) against the training iteration (log scale), one colour per method, thin lines the replicates;"
                + " the mean is solid while every replicate runs and dashed, labelled \"n of N\", where some have stopped."
                + " Dashed: \(Metric.baselineLoss.plainTitle), the loss of predicting without memory: a curve that stays on it has not learned the long-range dependency." + facet
        case .successVsLength:
            let drawn = plot.y.flatMap(Metric.named) ?? .solved
            let x = plot.x.map { plain(ParameterTitle.title(for: $0)) } ?? Metric.sequenceLength.plainTitle
            return "\(drawn.plainTitle) against \(x), one line per method (drawn a few points apart sideways so equal rates stay visible; the rates are exact):"
                + " where a line drops, that method stops bridging the dependency."
        case .gradNormTrace:
            let drawn = plot.y.flatMap(Metric.named) ?? .gradNorm
            return "\(drawn.plainTitle) against the training iteration (log scale); dashed: the \(Metric.clipThreshold.plainTitle)."
                + " Spikes above it are the exploding gradients that clipping cuts." + facet
        case .gradFlowHeatmap:
            return "\(Metric.gradFlowLog10.plainTitle) over the training iteration (across) and the step t (up), one panel per grid point:"
                + " how far back the gradient reaches as training goes on." + facet + scale
        case .summaryVsParameter:
            let drawn = plot.y.flatMap(Metric.named).map(\.plainTitle) ?? "the summary"
            let x = plot.x.map { plain(ParameterTitle.title(for: $0)) } ?? "the swept value"
            let theory = plot.theory.flatMap(Metric.named).map { " Dashed black: \($0.plainTitle), averaged over the runs at each value." } ?? ""
            return "\(drawn) against \(x), one line per value of the colour channel (mean of its replicates, min–max band)."
                + theory + " The thin line marks 0 when the values change sign." + channels
        case .activationsThroughTime:
            let drawn = plot.y.flatMap(Metric.named) ?? .hiddenNorm
            return "\(drawn.plainTitle) against the step t, one line per grid point (and per gate for gated cells; mean of its replicates, min–max band)."
                + " Saturated units (φ′ below 1% of its maximum) pass almost no gradient: a rising saturated fraction predicts vanishing gradients whatever ρ(W_hh) is." + facet
        case .fixedPointStates:
            return "The fixed and slow points s* of one run and its first autonomous runs (grey) in the top two principal components of the start pool (axes: the share of its variance):"
                + " one marker per class. Stable points are attractors (memories); saddles sit between them; marginal points have |λ| ≈ 1, the long-memory directions."
        case .fixedPointEigenvalues:
            return "The eigenvalues λ of ∂F/∂s at each point of one run (one panel per point, the first 12 by q) against the unit circle:"
                + " |λ| > 1 outside is an unstable mode, |λ| ≈ 1 a direction the dynamics neither forgets nor amplifies, where gradients do not vanish."
        case .unitGradientMaps:
            return "log10 |∂L/∂h_t,i| of every unit i (up) at every step t (across) of one run, and for LSTM/GRU of each gate's pre-activation, from the run's .npy sidecar files."
                + " Blue: the gradient has vanished at that unit and step; a map that fades uniformly blames the recurrence, a few dark rows blame single units. Black contour: 10^−6."
        case .trainingTrace:
            let drawn = plot.y.flatMap(Metric.named) ?? .sigmaMax
            return "\(drawn.plainTitle) against the training iteration, one colour per method: the median over windows of records, the band their min–max over replicates." + facet
        }
    }

    private func plain(_ title: String) -> String { Metric.plainText(title) }
}
