using StarChat.Evaluation.LmEval.Python;

namespace StarChat.Evaluation.LmEval.Tests;

/// <summary>Against the CPython 3.11.7 vectors of lm-eval.md §2.3.</summary>
public class PythonRandomTests
{
    [Fact]
    public void GetRandBits_Seed42_MatchesCPython()
    {
        var rng = new PythonRandom(42);
        Assert.Equal([2746317213u, 478163327u, 107420369u], [rng.GetRandBits(32), rng.GetRandBits(32), rng.GetRandBits(32)]);
    }

    [Fact]
    public void NextDouble_Seed42_MatchesCPython()
        => Assert.Equal(0.6394267984578837, new PythonRandom(42).NextDouble());

    [Theory]
    [InlineData(1172, 1119, 25, new[] { 595, 716, 511, 906, 148, 368, 930, 121, 1031, 280 },
        new[] { 888, 201, 205, 908, 340, 613, 59, 94, 664, 114, 600, 734, 767, 882, 298, 500, 1087, 843, 368, 348, 358, 161, 783, 493, 1019 })]
    [InlineData(10042, 39905, 10, new[] { 9792, 1027, 5366, 615, 5402, 477, 955, 6124, 509, 9823 },
        new[] { 3656, 36651, 3421, 19327, 24999, 26324, 6280, 26942, 15277, 39293 })]
    [InlineData(1267, 40398, 5, new[] { 187, 719, 618, 35, 404, 462, 1033, 540, 1179, 2 }, new[] { 5906, 19340, 21411, 27230, 11510 })]
    [InlineData(1319, 7473, 5, new[] { 588, 1214, 57, 906, 1252, 618, 599, 289, 608, 400 }, new[] { 7268, 4403, 1111, 3183, 3716 })]
    public void ShuffleThenSample_HarnessWalk_MatchesCPython(int docs, int pool, int k, int[] firstTen, int[] firstDocShots)
    {
        var rng = new PythonRandom(42);
        var order = Enumerable.Range(0, docs).ToArray();
        rng.Shuffle(order);
        Assert.Equal(firstTen, order[..10]);
        Assert.Equal(firstDocShots, rng.SampleIndices(pool, k));
    }

    [Theory]
    [InlineData(817, new[] { 740, 724, 678, 632, 237, 584, 664, 748, 615, 404 })]
    [InlineData(100, new[] { 42, 41, 91, 9, 65, 50, 1, 70, 15, 78 })]
    public void Shuffle_ZeroShotTasks_MatchesCPython(int docs, int[] firstTen)
    {
        var order = Enumerable.Range(0, docs).ToArray();
        new PythonRandom(42).Shuffle(order);
        Assert.Equal(firstTen, order[..10]);
    }

    [Fact]
    public void SampleIndices_Seed1234_MatchesLe040ArcDraws()
    {
        var rng = new PythonRandom(1234);
        Assert.Equal([902, 239, 15, 185, 71, 171, 201, 726, 484, 35, 63, 32, 708, 991, 949, 304, 186, 374, 234, 29, 1030, 996, 511, 132, 1108],
            rng.SampleIndices(1119, 25));
        Assert.Equal([954, 140, 182, 1054, 94, 552, 129, 619, 985, 727, 545, 510, 409, 928, 1085, 39, 1040, 144, 11, 683, 294, 968, 772, 342, 110],
            rng.SampleIndices(1119, 25));
    }

    [Fact]
    public void SampleIndices_SmallPopulation_UsesPoolMethodWithoutRepeats()
    {
        // n ≤ setsize takes CPython's pool branch; every index must be distinct and in range.
        var picks = new PythonRandom(7).SampleIndices(10, 10);
        Assert.Equal(Enumerable.Range(0, 10), picks.Order());
    }

    [Fact]
    public void SampleIndices_KLargerThanPopulation_Throws()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new PythonRandom(1).SampleIndices(3, 4));
}
