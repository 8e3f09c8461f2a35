using System.Runtime.Intrinsics;

namespace StarChat.Evaluation.LmEval.Scoring;

/// <summary>log_softmax of one row of logits at one token, and whether that token is the row's arg-max.</summary>
/// <remarks>
/// A row is a whole vocabulary (49k values) and every continuation token needs one, so the max and the sum of
/// exponentials are vectorized; <see cref="ScoreScalar"/> is the reference they are tested against. Exponentials are
/// taken in float (≤ 1 ulp apart from the scalar path) and summed in double, which keeps the result within ~1e-6 of
/// the double reference — the harness itself works in float32.
/// </remarks>
internal static class LogProbRow
{
    /// <summary>
    /// <c>log_softmax(logits)[token]</c> and whether <paramref name="token"/> is the first maximum (torch/numpy
    /// arg-max rule).
    /// </summary>
    public static (double LogProb, bool IsArgMax) Score(ReadOnlySpan<float> logits, int token)
    {
        if (!Vector256.IsHardwareAccelerated || logits.Length < 16)
            return ScoreScalar(logits, token);
        float max = Max256(logits);
        double sum = SumExp256(logits, max);
        return ((double)logits[token] - max - Math.Log(sum), IsFirstMax(logits, token, max));
    }

    /// <summary>The reference: scalar max and a double-precision sum of exponentials.</summary>
    internal static (double LogProb, bool IsArgMax) ScoreScalar(ReadOnlySpan<float> logits, int token)
    {
        float max = logits[0];
        for (int i = 1; i < logits.Length; i++)
            max = Math.Max(max, logits[i]);
        double sum = 0;
        foreach (float l in logits)
            sum += Math.Exp((double)l - max);
        return ((double)logits[token] - max - Math.Log(sum), IsFirstMax(logits, token, max));
    }

    /// <summary>The first index of the largest logit (greedy decoding).</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        float max = Vector256.IsHardwareAccelerated && logits.Length >= 16 ? Max256(logits) : ScalarMax(logits);
        return logits.IndexOf(max);
    }

    private static bool IsFirstMax(ReadOnlySpan<float> logits, int token, float max)
        => logits[token] == max && logits[..token].IndexOf(max) < 0;

    private static float ScalarMax(ReadOnlySpan<float> logits)
    {
        float max = logits[0];
        for (int i = 1; i < logits.Length; i++)
            max = Math.Max(max, logits[i]);
        return max;
    }

    private static float Max256(ReadOnlySpan<float> x)
    {
        var acc = Vector256.Create(x);
        int i = 8;
        for (; i <= x.Length - 8; i += 8)
            acc = Vector256.Max(acc, Vector256.Create(x[i..]));
        float max = Vector256.Max(acc, Vector256.Create(x[^8..])).ToScalarMax();
        return max;
    }

    private static double SumExp256(ReadOnlySpan<float> x, float max)
    {
        var shift = Vector256.Create(max);
        var lo = Vector256<double>.Zero;
        var hi = Vector256<double>.Zero;
        int i = 0;
        for (; i <= x.Length - 8; i += 8)
        {
            var e = Vector256.Exp(Vector256.Create(x[i..]) - shift);
            var (a, b) = Vector256.Widen(e);
            lo += a;
            hi += b;
        }
        double sum = Vector256.Sum(lo) + Vector256.Sum(hi);
        for (; i < x.Length; i++)
            sum += MathF.Exp(x[i] - max);
        return sum;
    }

    private static float ToScalarMax(this Vector256<float> v)
    {
        float max = v[0];
        for (int i = 1; i < Vector256<float>.Count; i++)
            max = Math.Max(max, v[i]);
        return max;
    }
}
