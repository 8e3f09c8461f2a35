using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Tests.Quantization;

/// <summary>
/// Quantize → dequantize error on llama.cpp's own test signal and budgets (tests/test-quantize-fns.cpp at the
/// fixtures' commit: 4096 values 0.1 + 2·cos(i), error = √Σd² / n, which is what ggml calls RMSE).
/// </summary>
public class RoundTripTests
{
    internal const int TestSize = 32 * 128;

    public static TheoryData<TensorType, float> Budgets => new()
    {
        { TensorType.F16, 0.002f },
        { TensorType.BF16, 0.002f },
        { TensorType.Q4_0, 0.002f },
        { TensorType.Q4_1, 0.002f },
        { TensorType.Q5_0, 0.002f },
        { TensorType.Q5_1, 0.002f },
        { TensorType.Q8_0, 0.002f },
        { TensorType.Q8_1, 0.002f },
        { TensorType.Q2_K, 0.0075f },   // MAX_QUANTIZATION_TOTAL_ERROR_2BITS
        { TensorType.Q3_K, 0.0040f },   // MAX_QUANTIZATION_TOTAL_ERROR_3BITS
        { TensorType.Q4_K, 0.002f },
        { TensorType.Q5_K, 0.002f },
        { TensorType.Q6_K, 0.002f },
        { TensorType.Q8_K, 0.002f },
        { TensorType.IQ4_NL, 0.002f },
    };

    /// <summary>ggml's generate_data: 0.1 + 2·cos(i + offset) in f32.</summary>
    internal static float[] GgmlTestData(float offset)
    {
        var data = new float[TestSize];
        for (int i = 0; i < data.Length; i++)
            data[i] = 0.1f + 2 * MathF.Cos(i + offset);
        return data;
    }

    [Theory]
    [MemberData(nameof(Budgets))]
    public void QuantizeThenDequantize_GgmlTestSignal_WithinGgmlBudget(TensorType type, float budget)
    {
        float[] x = GgmlTestData(0f);
        float error = RoundTripError(type, x);
        Assert.True(error < budget, $"{type}: error {error} ≥ budget {budget}");
    }

    [Theory]
    [MemberData(nameof(Budgets))]
    public void QuantizeThenDequantize_WeightLikeGaussian_RelativeErrorBelowTypeBound(TensorType type, float budget)
    {
        _ = budget;
        // Relative RMS error on N(0, 1) data: catches a decoder that is consistent with its encoder but coarse
        // (e.g. a lost bit). Bounds are ~1.25× what ggml's reference quantizers reach on this seeded data.
        float bound = type switch
        {
            TensorType.F16 => 0.00025f,
            TensorType.BF16 => 0.0021f,
            TensorType.Q8_0 or TensorType.Q8_1 => 0.0066f,
            TensorType.Q8_K => 0.0085f,
            TensorType.Q6_K => 0.022f,
            TensorType.Q5_K => 0.045f,
            TensorType.Q5_1 => 0.047f,
            TensorType.Q5_0 => 0.052f,
            TensorType.Q4_K => 0.09f,
            TensorType.IQ4_NL => 0.095f,
            TensorType.Q4_1 => 0.10f,
            TensorType.Q4_0 => 0.11f,
            TensorType.Q3_K => 0.19f,
            TensorType.Q2_K => 0.38f,
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
        var rng = new Random(7);
        var x = new float[TestSize];
        for (int i = 0; i < x.Length; i++)
            x[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        var y = QuantizeDequantize(type, x);
        double err = 0, norm = 0;
        for (int i = 0; i < x.Length; i++)
        {
            err += (double)(x[i] - y[i]) * (x[i] - y[i]);
            norm += (double)x[i] * x[i];
        }
        double relative = Math.Sqrt(err / norm);
        Assert.True(relative < bound, $"{type}: relative RMS error {relative:F4} ≥ {bound}");
    }

    [Theory]
    [MemberData(nameof(Budgets))]
    public void Quantize_AllZeroRow_DecodesToZeros(TensorType type, float budget)
    {
        _ = budget;
        var y = QuantizeDequantize(type, new float[512]);
        Assert.All(y, v => Assert.Equal(0f, Math.Abs(v)));
    }

    [Theory]
    [MemberData(nameof(Budgets))]
    public void Quantize_NonFiniteInput_DoesNotThrow(TensorType type, float budget)
    {
        _ = budget;
        float[] x = GgmlTestData(0f)[..512];
        x[3] = float.NaN;
        x[300] = float.PositiveInfinity;
        x[301] = float.NegativeInfinity;
        _ = QuantizeDequantize(type, x);
    }

    [Fact]
    public void Row_PartialBlock_ThrowsNamingSource()
    {
        var e = Assert.Throws<ArgumentException>(() => Quantize.Row(TensorType.Q8_0, new float[31], new byte[34]));
        Assert.Equal("src", e.ParamName);
    }

    [Fact]
    public void Row_WrongDestinationSize_ThrowsNamingDestination()
    {
        var e = Assert.Throws<ArgumentException>(() => Quantize.Row(TensorType.Q6_K, new float[256], new byte[211]));
        Assert.Equal("dst", e.ParamName);
    }

    [Fact]
    public void Row_UnsupportedType_ThrowsNotSupported()
        => Assert.Throws<NotSupportedException>(() => Quantize.Row(TensorType.I32, new float[4], new byte[16]));

    internal static float[] QuantizeDequantize(TensorType type, float[] x)
    {
        var q = new byte[TensorTypeInfo.ByteCount(type, x.Length)];
        Quantize.Row(type, x, q);
        var y = new float[x.Length];
        Dequantize.Row(type, q, y);
        return y;
    }

    private static float RoundTripError(TensorType type, float[] x)
    {
        var y = QuantizeDequantize(type, x);
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double diff = x[i] - y[i];
            sum += diff * diff;
        }
        return MathF.Sqrt((float)sum) / x.Length;
    }
}
