using System.Globalization;
using System.Text;

namespace StarChat.Training.FineTuning;

/// <summary>
/// Draws the loss curves of a run as a small self-contained SVG: training loss per step as a line, test loss per
/// epoch as dots, with axes, ticks and a legend.
/// </summary>
public static class LossCurveSvg
{
    private const int Width = 720, Height = 420, Left = 64, Right = 24, Top = 40, Bottom = 52;

    /// <summary>Renders the curves.</summary>
    /// <param name="title">Title line.</param>
    /// <param name="train">(step, loss) of each step.</param>
    /// <param name="eval">(step, loss) of each evaluation.</param>
    public static string Render(string title, IReadOnlyList<(int Step, double Loss)> train, IReadOnlyList<(int Step, double Loss)> eval)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(eval);
        var points = train.Concat(eval).Where(p => double.IsFinite(p.Loss)).ToList();
        int maxStep = Math.Max(1, points.Count == 0 ? 1 : points.Max(p => p.Step));
        double lo = points.Count == 0 ? 0 : points.Min(p => p.Loss), hi = points.Count == 0 ? 1 : points.Max(p => p.Loss);
        if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
        double pad = (hi - lo) * 0.05;
        lo -= pad;
        hi += pad;
        double X(double step) => Left + (Width - Left - Right) * step / maxStep;
        double Y(double loss) => Top + (Height - Top - Bottom) * (hi - loss) / (hi - lo);

        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n"));
        svg.Append(Invariant($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n"));
        svg.Append(Invariant($"<text x=\"{Width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">{Escape(title)}</text>\n"));
        foreach (double tick in Ticks(lo, hi, 6))
        {
            double y = Y(tick);
            svg.Append(Invariant($"<line x1=\"{Left}\" y1=\"{y:F1}\" x2=\"{Width - Right}\" y2=\"{y:F1}\" stroke=\"#e4e4e4\"/>\n"));
            svg.Append(Invariant($"<text x=\"{Left - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{tick:G4}</text>\n"));
        }
        foreach (double tick in Ticks(0, maxStep, 8).Where(t => t == Math.Floor(t)))
        {
            double x = X(tick);
            svg.Append(Invariant($"<line x1=\"{x:F1}\" y1=\"{Height - Bottom}\" x2=\"{x:F1}\" y2=\"{Height - Bottom + 4}\" stroke=\"black\"/>\n"));
            svg.Append(Invariant($"<text x=\"{x:F1}\" y=\"{Height - Bottom + 18}\" text-anchor=\"middle\">{tick:G6}</text>\n"));
        }
        svg.Append(Invariant($"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>\n"));
        svg.Append(Invariant($"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>\n"));
        svg.Append(Invariant($"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 12}\" text-anchor=\"middle\">optimizer step</text>\n"));
        svg.Append(Invariant($"<text transform=\"translate(16 {(Top + Height - Bottom) / 2}) rotate(-90)\" text-anchor=\"middle\">loss</text>\n"));

        var finiteTrain = train.Where(p => double.IsFinite(p.Loss)).ToList();
        if (finiteTrain.Count > 0)
        {
            svg.Append("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"");
            svg.AppendJoin(' ', finiteTrain.Select(p => Invariant($"{X(p.Step):F1},{Y(p.Loss):F1}")));
            svg.Append("\"/>\n");
        }
        foreach (var (step, loss) in eval.Where(p => double.IsFinite(p.Loss)))
            svg.Append(Invariant($"<circle cx=\"{X(step):F1}\" cy=\"{Y(loss):F1}\" r=\"4\" fill=\"#d62728\"><title>step {step}: test loss {loss:F4}</title></circle>\n"));
        int legendX = Width - Right - 150;
        svg.Append(Invariant($"<line x1=\"{legendX}\" y1=\"{Top + 10}\" x2=\"{legendX + 24}\" y2=\"{Top + 10}\" stroke=\"#1f77b4\" stroke-width=\"2\"/><text x=\"{legendX + 30}\" y=\"{Top + 14}\">training loss</text>\n"));
        svg.Append(Invariant($"<circle cx=\"{legendX + 12}\" cy=\"{Top + 28}\" r=\"4\" fill=\"#d62728\"/><text x=\"{legendX + 30}\" y=\"{Top + 32}\">test loss</text>\n"));
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    // Round steps of 1, 2 or 5 × 10^k covering [lo, hi].
    internal static IEnumerable<double> Ticks(double lo, double hi, int target)
    {
        double span = Math.Max(hi - lo, 1e-12);
        double raw = span / target;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1.0, 2, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
        for (double t = Math.Ceiling(lo / step) * step; t <= hi + step * 1e-9; t += step)
            yield return Math.Round(t / step) * step;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
