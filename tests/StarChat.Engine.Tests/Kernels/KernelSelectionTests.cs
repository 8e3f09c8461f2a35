using StarChat.Engine.Kernels;

namespace StarChat.Engine.Tests.Kernels;

// Same collection as KernelSelfCheckTests, which asserts on the selected rung that Override changes.
[Collection(nameof(KernelSelection))]
public class KernelSelectionTests
{
    [Theory]
    [InlineData("scalar", KernelPath.Scalar)]
    [InlineData(" Vector256 ", KernelPath.Vector256)]
    [InlineData("AVX2", KernelPath.Vector256)]
    [InlineData("v512", KernelPath.Vector512)]
    public void Parse_KnownNames_GiveRung(string text, KernelPath expected) => Assert.Equal(expected, KernelSelection.Parse(text));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sse")]
    public void Parse_UnknownNames_GiveNull(string? text) => Assert.Null(KernelSelection.Parse(text));

    [Fact]
    public void Detect_PicksWidestAcceleratedRung()
    {
        var detected = KernelSelection.Detect();
        Assert.True(KernelSelection.IsAccelerated(detected));
        foreach (var wider in Enum.GetValues<KernelPath>().Where(p => p > detected))
            Assert.False(KernelSelection.IsAccelerated(wider), $"{wider} is accelerated but {detected} was picked");
    }

    [Fact]
    public void Override_ForcesRungAndRestores()
    {
        // Other tests may run meanwhile on the forced rung; every rung computes correct results, so they still pass.
        var previous = KernelSelection.Override(KernelPath.Scalar);
        try
        {
            Assert.Equal(KernelPath.Scalar, KernelSelection.Current);
        }
        finally
        {
            KernelSelection.Override(previous);
        }
        Assert.Equal(previous, KernelSelection.Current);
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelSelection.Override((KernelPath)7));
    }
}
