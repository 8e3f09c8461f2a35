using StarChat.Training.Optimization;

namespace StarChat.Training.Tests.Optimization;

/// <summary>
/// Against Hugging Face's schedulers: the expected rates are transformers' <c>get_cosine_schedule_with_warmup</c> /
/// <c>get_linear_schedule_with_warmup</c> lambdas (num_cycles 0.5) and <c>get_warmup_steps</c> (ceil of total ×
/// ratio), evaluated in Python for a 36-step run at peak 2e-3 with warmup ratio 0.03.
/// </summary>
public sealed class LearningRateScheduleTests
{
    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(1, 0.001)]
    [InlineData(2, 0.002)]
    [InlineData(10, 0.001739008917220659)]
    [InlineData(35, 4.265823704965532e-06)]
    public void RateAt_CosineWithWarmup_MatchesTransformers(int step, double expected)
    {
        var schedule = LearningRateSchedule.FromWarmupRatio(2e-3, 36, 0.03, SchedulerKind.Cosine);

        Assert.Equal(2, schedule.WarmupSteps);
        NumericAssert.Close(expected, schedule.RateAt(step), 1e-18, $"rate at step {step}");
    }

    [Theory]
    [InlineData(10, 0.0015294117647058822)]
    [InlineData(35, 5.882352941176471e-05)]
    public void RateAt_LinearWithWarmup_MatchesTransformers(int step, double expected)
        => NumericAssert.Close(expected, LearningRateSchedule.FromWarmupRatio(2e-3, 36, 0.03, SchedulerKind.Linear).RateAt(step), 1e-18, $"rate at step {step}");

    [Fact]
    public void RateAt_ConstantWithoutWarmup_IsThePeakFromTheFirstStep()
    {
        var schedule = LearningRateSchedule.FromWarmupRatio(1e-3, 10, 0, SchedulerKind.Constant);

        Assert.Equal(Enumerable.Repeat(1e-3, 10), Enumerable.Range(0, 10).Select(schedule.RateAt));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1e-3)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void FromWarmupRatio_RateNotPositiveAndFinite_Throws(double rate)
        => Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.FromWarmupRatio(rate, 10, 0.1, SchedulerKind.Cosine));
}
