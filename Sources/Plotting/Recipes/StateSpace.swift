/// Trajectories and special points of a dynamical system, projected on two axes (e.g. the top two
/// principal components of the visited states).
public struct StateSpaceChart: Sendable {
    /// One polyline per trajectory (drawn thin and grey: context, not data to read off).
    public var trajectories: [(xs: [Double], ys: [Double])]
    /// Point groups, one colour and marker each (e.g. "stable", "saddle (1 unstable)").
    public var groups: [StateSpaceGroup]
    public var xLabel: String
    public var yLabel: String
    public var title: String?
    public init(trajectories: [(xs: [Double], ys: [Double])], groups: [StateSpaceGroup], xLabel: String, yLabel: String, title: String? = nil) {
        self.trajectories = trajectories; self.groups = groups; self.xLabel = xLabel; self.yLabel = yLabel; self.title = title
    }
}

/// Points of one kind on a state-space chart.
public struct StateSpaceGroup: Sendable {
    public var xs: [Double]
    public var ys: [Double]
    public var label: String
    public var marker: MarkerShape
    public init(xs: [Double], ys: [Double], label: String, marker: MarkerShape) {
        self.xs = xs; self.ys = ys; self.label = label; self.marker = marker
    }
}

extension Recipe {
    /// Trajectories (grey) and point groups (coloured markers, legend) in one panel.
    public static func stateSpace(_ chart: StateSpaceChart) -> Figure {
        var axes = Axes(title: nil, xLabel: chart.xLabel, yLabel: chart.yLabel)
        for (k, t) in chart.trajectories.enumerated() {
            axes.line(LineMark(xs: t.xs, ys: t.ys, color: .gray(0.72), width: 0.6, label: k == 0 ? "trajectories" : nil))
        }
        for (k, g) in chart.groups.enumerated() where !g.xs.isEmpty {
            axes.scatter(ScatterMark(xs: g.xs, ys: g.ys, color: Palette.categorical(k), size: 7, marker: g.marker, opacity: 0.95, label: g.label))
        }
        return Figure(width: 560, height: 440, axes, title: chart.title)
    }
}
