using System.Xml.Linq;
using StarChat.Training.FineTuning;

namespace StarChat.Training.Tests.FineTuning;

public sealed class LossCurveSvgTests
{
    [Fact]
    public void Render_Points_DrawsOneLineVertexPerStepAndADotPerEvaluation()
    {
        string svg = LossCurveSvg.Render("run <1>", [(1, 3.5), (2, 3.1), (3, 2.8)], [(3, 2.9)]);

        var doc = XDocument.Parse(svg);
        var line = doc.Descendants().Single(e => e.Name.LocalName == "polyline");
        Assert.Equal(3, line.Attribute("points")!.Value.Split(' ').Length);
        Assert.Contains(doc.Descendants(), e => e.Name.LocalName == "title" && e.Value == "step 3: test loss 2.9000");
        Assert.Contains("run &lt;1&gt;", svg, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_NoPoints_StillGivesAValidPicture()
        => Assert.NotNull(XDocument.Parse(LossCurveSvg.Render("empty", [], [])));

    [Fact]
    public void Ticks_Range_AreRoundNumbers()
        => Assert.Equal([2.0, 2.5, 3.0, 3.5], LossCurveSvg.Ticks(1.9, 3.6, 4));
}
