namespace StarChat.Engine.Quantization;

/// <summary>Rounding helpers that reproduce ggml's C arithmetic bit for bit.</summary>
internal static class QuantMath
{
    /// <summary>Values below this count as an all-zero group (ggml's <c>GROUP_MAX_EPS</c>).</summary>
    public const float GroupMaxEps = 1e-15f;

    /// <summary>
    /// ggml's <c>nearest_int</c>: adding 1.5·2²³ pushes the fraction out of the f32 mantissa, so the FPU's
    /// round-to-nearest-even does the rounding and the low mantissa bits hold the integer. Exact for |x| ≤ 2²² − 1;
    /// beyond that (or for NaN) it returns the same wrapped value the C code does, which the callers then clamp —
    /// so it must stay this trick and not become <see cref="MathF.Round(float)"/>.
    /// </summary>
    public static int NearestInt(float value)
    {
        float biased = value + 12582912f;
        return (BitConverter.SingleToInt32Bits(biased) & 0x007F_FFFF) - 0x0040_0000;
    }

    /// <summary>C's <c>roundf</c>: nearest integer, halfway cases away from zero.</summary>
    public static float RoundHalfAwayFromZero(float value)
    {
        float truncated = MathF.Truncate(value);
        // value − truncated is the exact fractional part (no rounding), so the comparison decides ties correctly.
        return MathF.Abs(value - truncated) >= 0.5f ? truncated + MathF.CopySign(1f, value) : truncated;
    }

    /// <summary>An f16 block scale as ggml stores it: <c>GGML_FP32_TO_FP16</c>.</summary>
    public static Half ToHalf(float value) => BitConverter.UInt16BitsToHalf(Fp16.FromSingle(value));
}
