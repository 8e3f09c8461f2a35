using StarChat.Engine.Quantization;

namespace StarChat.Engine.Tests.Quantization;

public class QuantMathTests
{
    [Theory]
    [InlineData(0.5f, 0)]           // ties to even, like the FPU
    [InlineData(1.5f, 2)]
    [InlineData(2.5f, 2)]
    [InlineData(-0.5f, 0)]
    [InlineData(-1.5f, -2)]
    [InlineData(-2.49f, -2)]
    [InlineData(4194303f, 4194303)]
    [InlineData(-4194303f, -4194303)]
    public void NearestInt_InRange_RoundsHalfToEven(float value, int expected)
        => Assert.Equal(expected, QuantMath.NearestInt(value));

    [Fact]
    public void NearestInt_NaN_GivesZeroLikeTheCTrick()
        => Assert.Equal(0, QuantMath.NearestInt(float.NaN));

    [Theory]
    [InlineData(0.5f, 1f)]          // roundf: halfway cases away from zero
    [InlineData(-0.5f, -1f)]
    [InlineData(2.5f, 3f)]
    [InlineData(0.49999997f, 0f)]
    [InlineData(-126.5f, -127f)]
    [InlineData(8388609f, 8388609f)]
    public void RoundHalfAwayFromZero_Value_MatchesRoundf(float value, float expected)
        => Assert.Equal(expected, QuantMath.RoundHalfAwayFromZero(value));
}
