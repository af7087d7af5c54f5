import Foundation

/// Measured sizes of the text around one panel, from which its margins follow.
struct PanelMetrics {
    var yTickLabelWidth = 0.0
    var xTickLabelHeight = 0.0
    var lastXTickLabelHalfWidth = 0.0
    var yLabelHeight = 0.0
    var xLabelHeight = 0.0
    var titleHeight = 0.0
    var colorbarWidth = 0.0
    var legendSize = (width: 0.0, height: 0.0)
}

extension Figure {
    func metrics(_ plan: PanelPlan, _ r: Renderer) -> PanelMetrics {
        var m = PanelMetrics()
        let tickFont = FontSpec(size: theme.tickLabelSize)
        if plan.showYTickLabels {
            m.yTickLabelWidth = plan.yTickLabels.map { $0.measure(r, tickFont).width }.max() ?? 0
        }
        if plan.showXTickLabels {
            let ext = plan.xTickLabels.map { $0.measure(r, tickFont) }
            m.xTickLabelHeight = ext.map(\.height).max() ?? 0
            m.lastXTickLabelHalfWidth = (ext.last?.width ?? 0) / 2
        }
        let labelFont = FontSpec(size: theme.axisLabelSize)
        if let y = plan.axes.yLabel, plan.showYTickLabels { m.yLabelHeight = Label(y).measure(r, labelFont).height }
        if let x = plan.axes.xLabel, plan.showXTickLabels { m.xLabelHeight = Label(x).measure(r, labelFont).height }
        if let t = plan.axes.title { m.titleHeight = Label(t).measure(r, FontSpec(size: theme.titleSize)).height }
        if plan.hasColorbar { m.colorbarWidth = colorKeyWidth(plan, r) }
        if !plan.legendEntries.isEmpty { m.legendSize = legendBoxSize(plan.legendEntries, r) }
        return m
    }

    var colorbarGap: Double { 12 }
    var colorbarThickness: Double { 11 }

    /// Margins around the plot box of one panel (points).
    func margins(_ plan: PanelPlan, _ m: PanelMetrics) -> (left: Double, right: Double, top: Double, bottom: Double) {
        let p = theme.padding, tick = theme.majorTickLength
        var left = tick + p + m.yTickLabelWidth + (m.yLabelHeight > 0 ? p + m.yLabelHeight + 2 : 0)
        var right = max(m.colorbarWidth, m.lastXTickLabelHalfWidth, 6)
        if plan.legendOutside && m.legendSize.width > 0 { right = m.colorbarWidth + 10 + m.legendSize.width + 2 }
        let top = max(m.titleHeight > 0 ? m.titleHeight + 2 * p : 0, theme.tickLabelSize * 0.6)
        let bottom = tick + (m.xTickLabelHeight > 0 ? p + m.xTickLabelHeight : 0) + (m.xLabelHeight > 0 ? p + m.xLabelHeight + 2 : 0)
        left = max(left, 6)
        return (left, right, top, max(bottom, 6))
    }

    /// Places every plot box: columns share left/right margins, rows share top/bottom, all boxes the same size.
    func layout(_ plans: inout [PanelPlan], _ r: Renderer) {
        let all = plans.map { metrics($0, r) }
        for k in plans.indices { plans[k].margins = margins(plans[k], all[k]) }
        var left = [Double](repeating: 0, count: columns), right = left
        var top = [Double](repeating: 0, count: rows), bottom = top
        for p in plans {
            left[p.column] = max(left[p.column], p.margins.left); right[p.column] = max(right[p.column], p.margins.right)
            top[p.row] = max(top[p.row], p.margins.top); bottom[p.row] = max(bottom[p.row], p.margins.bottom)
        }
        let outer = theme.outerMargin
        let titleBlock = title.map { Label($0).measure(r, FontSpec(size: theme.suptitleSize, bold: true)).height + 2 * theme.padding } ?? 0
        let gap = theme.panelGap
        let plotW = max(10, (width - 2 * outer - left.reduce(0, +) - right.reduce(0, +) - gap * Double(columns - 1)) / Double(columns))
        let plotH = max(10, (height - 2 * outer - titleBlock - noteBlock(r) - top.reduce(0, +) - bottom.reduce(0, +) - gap * Double(rows - 1)) / Double(rows))
        for k in plans.indices {
            let c = plans[k].column, rw = plans[k].row
            var x = outer
            for cc in 0..<c { x += left[cc] + plotW + right[cc] + gap }
            x += left[c]
            var y = outer + titleBlock
            for rr in 0..<rw { y += top[rr] + plotH + bottom[rr] + gap }
            y += top[rw]
            var rect = Rect(x: x, y: y, width: plotW, height: plotH)
            if plans[k].axes.equalAspect && !plans[k].axes.xScale.isLog && !plans[k].axes.yScale.isLog {
                let ux = (plans[k].xDomain.hi - plans[k].xDomain.lo) / rect.width
                let uy = (plans[k].yDomain.hi - plans[k].yDomain.lo) / rect.height
                if ux > uy {
                    let h = (plans[k].yDomain.hi - plans[k].yDomain.lo) / ux
                    rect = Rect(x: rect.x, y: rect.midY - h / 2, width: rect.width, height: h)
                } else if uy > ux {
                    let w = (plans[k].xDomain.hi - plans[k].xDomain.lo) / uy
                    rect = Rect(x: rect.midX - w / 2, y: rect.y, width: w, height: rect.height)
                }
            }
            plans[k].plotRect = rect
            thinXTicksToFit(&plans[k], r)
        }
    }

    /// Fewer x ticks while their labels would overlap (wide labels such as "1.0000002×10⁶" on a narrow panel).
    func thinXTicksToFit(_ plan: inout PanelPlan, _ r: Renderer) {
        let font = FontSpec(size: theme.tickLabelSize)
        var target = 6
        while target > 2 {
            let widths = plan.xTickLabels.map { $0.measure(r, font).width + 0.8 * theme.tickLabelSize }
            let needed = widths.reduce(0, +)
            if needed <= plan.plotRect.width * 0.95 || plan.xTicks.major.count <= 2 { return }
            target -= 1
            plan.xTicks = plan.axes.ticks(x: true, plan.xDomain.lo, plan.xDomain.hi, target: target)
            plan.xTickLabels = TickFormatter.labels(plan.xTicks, scale: plan.axes.xScale)
        }
    }

    /// Lays out, draws every panel and the suptitle; returns data warnings.
    public func render(to r: Renderer) throws -> [String] {
        var warnings: [String] = []
        var plans = try plans(warnings: &warnings)
        layout(&plans, r)
        // A `.best` legend goes to the emptiest corner, or outside when every corner covers data.
        var relayout = false
        for k in plans.indices where !plans[k].legendEntries.isEmpty && !plans[k].legendOutside {
            let size = legendBoxSize(plans[k].legendEntries, r)
            if let fixed = fixedCorner(plans[k].axes.legend) { plans[k].legendCorner = fixed; continue }
            let (corner, overlap) = bestLegendCorner(plans[k], size: size)
            plans[k].legendCorner = corner
            if overlap > 0 { plans[k].legendOutside = true; relayout = true }
        }
        if relayout { layout(&plans, r) }

        r.beginGroup("figure")
        r.fill(.rect(Rect(x: 0, y: 0, width: width, height: height)), .white)
        if let t = title {
            Label(t).draw(r, at: Point(width / 2, theme.outerMargin), font: FontSpec(size: theme.suptitleSize, bold: true),
                          color: theme.textColor, hAlign: 0.5, vAnchor: .top)
        }
        for p in plans { drawPanel(p, r) }
        drawNote(r)
        r.endGroup()
        return warnings
    }

    private func fixedCorner(_ p: LegendPlacement) -> LegendPlacement? {
        switch p {
        case .upperLeft, .upperRight, .lowerLeft, .lowerRight: return p
        default: return nil
        }
    }
}
