namespace StarChat.Engine.Quantization;

/// <summary>
/// The scale searches ggml's K-quant reference quantizers run per sub-block (<c>make_qx_quants</c>,
/// <c>make_q3_quants</c>, <c>make_qkx2_quants</c>), reduced to the variants <c>quantize_row_q*_K_ref</c> use.
/// Every float operation is in the C order and precision: the chosen levels decide the file's bytes.
/// </summary>
internal static class KQuantSearch
{
    /// <summary>
    /// Symmetric levels −nmax…nmax−1 (stored as 0…2·nmax−1 in <paramref name="levels"/>), weights x², trying 19
    /// scales around nmax/max and keeping the least-squares best (<c>make_qx_quants</c> with rmse_type 1, no
    /// importance weights). Returns the scale, negative when the largest-magnitude value is positive.
    /// </summary>
    public static float MakeQxQuants(ReadOnlySpan<float> x, int nmax, Span<sbyte> levels)
    {
        float max = 0, amax = 0;
        foreach (float v in x)
        {
            float ax = MathF.Abs(v);
            if (ax > amax)
            {
                amax = ax;
                max = v;
            }
        }
        if (amax < QuantMath.GroupMaxEps)
        {
            levels.Clear();
            return 0f;
        }

        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < x.Length; i++)
        {
            int l = Math.Max(-nmax, Math.Min(nmax - 1, QuantMath.NearestInt(iscale * x[i])));
            levels[i] = (sbyte)(l + nmax);
            float w = x[i] * x[i];
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        float best = scale * sumlx;
        for (int step = -9; step <= 9; step++)
        {
            if (step == 0)
                continue;
            iscale = -(nmax + 0.1f * step) / max;
            sumlx = suml2 = 0;
            for (int i = 0; i < x.Length; i++)
            {
                int l = Math.Max(-nmax, Math.Min(nmax - 1, QuantMath.NearestInt(iscale * x[i])));
                float w = x[i] * x[i];
                sumlx += w * x[i] * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2)
            {
                for (int i = 0; i < x.Length; i++)
                    levels[i] = (sbyte)(nmax + Math.Max(-nmax, Math.Min(nmax - 1, QuantMath.NearestInt(iscale * x[i]))));
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /// <summary>
    /// Symmetric levels −nmax…nmax−1 (stored as 0…2·nmax−1), starting from nmax/max and then moving single levels
    /// while that improves the x²-weighted fit, at most 5 sweeps (<c>make_q3_quants</c> with do_rmse).
    /// </summary>
    public static float MakeQ3Quants(ReadOnlySpan<float> x, int nmax, Span<sbyte> levels)
    {
        float max = 0, amax = 0;
        foreach (float v in x)
        {
            float ax = MathF.Abs(v);
            if (ax > amax)
            {
                amax = ax;
                max = v;
            }
        }
        if (amax < QuantMath.GroupMaxEps)
        {
            levels.Clear();
            return 0f;
        }

        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < x.Length; i++)
        {
            int l = Math.Max(-nmax, Math.Min(nmax - 1, QuantMath.NearestInt(iscale * x[i])));
            levels[i] = (sbyte)l;
            float w = x[i] * x[i];
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        for (int sweep = 0; sweep < 5; sweep++)
        {
            int changed = 0;
            for (int i = 0; i < x.Length; i++)
            {
                float w = x[i] * x[i];
                float slx = sumlx - w * x[i] * levels[i];
                if (slx > 0)
                {
                    float sl2 = suml2 - w * levels[i] * levels[i];
                    int newL = Math.Max(-nmax, Math.Min(nmax - 1, QuantMath.NearestInt(x[i] * sl2 / slx)));
                    if (newL != levels[i])
                    {
                        slx += w * x[i] * newL;
                        sl2 += w * newL * newL;
                        // Cross-multiplied form of slx²/sl2 > sumlx²/suml2: keep the move if the fit improves.
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2)
                        {
                            levels[i] = (sbyte)newL;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0)
                break;
        }
        for (int i = 0; i < x.Length; i++)
            levels[i] += (sbyte)nmax;
        return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
    }

    /// <summary>
    /// Asymmetric levels 0…nmax with a minimum: x ≈ scale·L − theMin (<c>make_qkx2_quants</c>). Starts from the
    /// range (min clamped to ≤ 0), then for nstep + 1 candidate inverse scales solves the weighted least-squares
    /// scale and minimum and keeps the best by weighted squared (or absolute, <paramref name="useMad"/>) error.
    /// </summary>
    public static float MakeQkx2Quants(ReadOnlySpan<float> x, ReadOnlySpan<float> weights, int nmax, Span<byte> levels,
        out float theMin, Span<byte> scratch, float rmin, float rdelta, int nstep, bool useMad)
    {
        float min = x[0], max = x[0];
        float sumW = weights[0];
        float sumX = sumW * x[0];
        for (int i = 1; i < x.Length; i++)
        {
            if (x[i] < min) min = x[i];
            if (x[i] > max) max = x[i];
            float w = weights[i];
            sumW += w;
            sumX += w * x[i];
        }
        if (min > 0)
            min = 0;
        if (max == min)
        {
            levels.Clear();
            theMin = -min;
            return 0f;
        }

        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < x.Length; i++)
        {
            int l = QuantMath.NearestInt(iscale * (x[i] - min));
            levels[i] = (byte)Math.Max(0, Math.Min(nmax, l));
            bestError += weights[i] * Error(scale * levels[i] + min - x[i], useMad);
        }

        for (int step = 0; step <= nstep; step++)
        {
            iscale = (rmin + rdelta * step + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < x.Length; i++)
            {
                int l = Math.Max(0, Math.Min(nmax, QuantMath.NearestInt(iscale * (x[i] - min))));
                scratch[i] = (byte)l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0)
            {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0)
                {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0;
                for (int i = 0; i < x.Length; i++)
                    error += weights[i] * Error(thisScale * scratch[i] + thisMin - x[i], useMad);
                if (error < bestError)
                {
                    scratch[..x.Length].CopyTo(levels);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin = -min;
        return scale;
    }

    private static float Error(float diff, bool useMad) => useMad ? MathF.Abs(diff) : diff * diff;
}
