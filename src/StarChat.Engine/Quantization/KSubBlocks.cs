namespace StarChat.Engine.Quantization;

/// <summary>
/// The steps Q4_K and Q5_K share in ggml's reference quantizers: fit each 32-weight sub-block with a scale and a
/// minimum, code those as 6-bit multiples of two f16 super-scales, then re-pick every level against the stored values.
/// </summary>
internal static class KSubBlocks
{
    /// <summary>
    /// Fits the eight sub-blocks of <paramref name="x"/> (256 values) with <see cref="KQuantSearch.MakeQkx2Quants"/>,
    /// weighting each value by the sub-block's RMS plus its own magnitude.
    /// </summary>
    public static void Fit(ReadOnlySpan<float> x, int nmax, float rmin, float rdelta, int nstep, Span<byte> levels,
        Span<byte> scratch, Span<float> weights, Span<float> scales, Span<float> mins, out float maxScale, out float maxMin)
    {
        maxScale = 0;   // the minimum is subtracted, so scales and minimums are non-negative
        maxMin = 0;
        for (int j = 0; j < 8; j++)
        {
            ReadOnlySpan<float> xs = x.Slice(32 * j, 32);
            float sumX2 = 0;
            foreach (float v in xs)
                sumX2 += v * v;
            float avX = MathF.Sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++)
                weights[l] = avX + MathF.Abs(xs[l]);
            scales[j] = KQuantSearch.MakeQkx2Quants(xs, weights, nmax, levels.Slice(32 * j, 32), out mins[j], scratch,
                rmin, rdelta, nstep, useMad: false);
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
    }

    /// <summary>Codes the sub-block scales and minimums as 6-bit multiples of the f16 super-scales d and dmin.</summary>
    public static void StoreScales(Span<byte> packed, ReadOnlySpan<float> scales, ReadOnlySpan<float> mins,
        float maxScale, float maxMin, out Half d, out Half dmin)
    {
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        for (int j = 0; j < 8; j++)
        {
            // C stores nearest_int into a uint8_t before clamping: keep the wrap-around.
            byte ls = Math.Min((byte)63, unchecked((byte)QuantMath.NearestInt(invScale * scales[j])));
            byte lm = Math.Min((byte)63, unchecked((byte)QuantMath.NearestInt(invMin * mins[j])));
            KScales.Set(packed, j, ls, lm);
        }
        d = QuantMath.ToHalf(maxScale / 63f);
        dmin = QuantMath.ToHalf(maxMin / 63f);
    }

    /// <summary>Re-picks every level (0…<paramref name="nmax"/>) for the scales as stored.</summary>
    public static void Requantize(ReadOnlySpan<float> x, ReadOnlySpan<byte> packed, float d, float dmin, int nmax, Span<byte> levels)
    {
        for (int j = 0; j < 8; j++)
        {
            var (sc, m) = KScales.Get(packed, j);
            float ds = d * sc;
            if (ds == 0)
                continue;
            float dm = dmin * m;
            for (int l = 0; l < 32; l++)
            {
                int q = QuantMath.NearestInt((x[32 * j + l] + dm) / ds);
                levels[32 * j + l] = (byte)Math.Max(0, Math.Min(nmax, q));
            }
        }
    }
}
