using StarChat.Evaluation.LmEval.Scoring;

namespace StarChat.Evaluation.LmEval.Tests;

/// <summary>The vectorized log-softmax row against its scalar double-precision reference.</summary>
public class LogProbRowTests
{
    public static TheoryData<int> Lengths => [1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 49156];

    [Theory, MemberData(nameof(Lengths))]
    public void Score_RandomRow_AgreesWithScalarReference(int length)
    {
        var rng = new Random(42 + length);
        var row = new float[length];
        for (int i = 0; i < length; i++) row[i] = (float)(rng.NextDouble() * 60 - 30);
        foreach (int token in new[] { 0, length / 2, length - 1 })
        {
            var (expected, expectedTop) = LogProbRow.ScoreScalar(row, token);
            var (actual, actualTop) = LogProbRow.Score(row, token);
            Assert.True(Math.Abs(expected - actual) <= 1e-6, $"length {length} token {token}: {actual} vs {expected}");
            Assert.Equal(expectedTop, actualTop);
        }
    }

    [Fact]
    public void Score_KnownRow_MatchesHandComputedLogSoftmax()
    {
        // log_softmax([0, ln 3])[1] = ln(3/4).
        var (lp, top) = LogProbRow.Score([0f, MathF.Log(3f)], 1);
        Assert.Equal(Math.Log(0.75), lp, 6);
        Assert.True(top);
    }

    [Fact]
    public void Score_TiedMaximum_OnlyFirstIsArgMax()
    {
        var row = new float[40];
        row[3] = row[7] = 5f;
        Assert.True(LogProbRow.Score(row, 3).IsArgMax);
        Assert.False(LogProbRow.Score(row, 7).IsArgMax);
        Assert.Equal(3, LogProbRow.ArgMax(row));
    }
}
