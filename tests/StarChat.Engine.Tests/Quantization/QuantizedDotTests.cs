using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Tests.Quantization;

public class QuantizedDotTests
{
    public static TheoryData<TensorType> DotTypes =>
    [
        TensorType.Q4_0, TensorType.Q4_1, TensorType.Q5_0, TensorType.Q5_1, TensorType.Q8_0,
        TensorType.Q2_K, TensorType.Q3_K, TensorType.Q4_K, TensorType.Q5_K, TensorType.Q6_K, TensorType.IQ4_NL,
    ];

    [Theory]
    [MemberData(nameof(DotTypes))]
    public void Row_GgmlTestSignals_WithinGgmlDotBudget(TensorType type)
    {
        // test-quantize-fns.cpp: |vec_dot(q(x), q8(y)) − Σxy| / n below 0.02 (0.04 for Q2_K)
        float[] x = RoundTripTests.GgmlTestData(0f), y = RoundTripTests.GgmlTestData(1f);
        float dot = QuantizedDot.Row(type, QuantizeAs(type, x), QuantizeAs(QuantizedDot.ActivationType(type), y));
        double exact = 0;
        for (int i = 0; i < x.Length; i++)
            exact += x[i] * y[i];
        float budget = type == TensorType.Q2_K ? 0.04f : 0.02f;
        float error = MathF.Abs(dot - (float)exact) / x.Length;
        Assert.True(error < budget, $"{type}: dot error {error} ≥ {budget}");
    }

    [Theory]
    [MemberData(nameof(DotTypes))]
    public void Row_RandomData_EqualsDotOfDequantizedRowsToFloatRounding(TensorType type)
    {
        // The integer path must compute exactly Σ dequant(w)·dequant(a); only the final float scaling rounds.
        var rng = new Random((int)type);
        const int n = 1024;
        var x = new float[n];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = (float)(rng.NextDouble() * 2 - 1);
            y[i] = (float)(rng.NextDouble() * 4 - 2);
        }
        TensorType activationType = QuantizedDot.ActivationType(type);
        byte[] w = QuantizeAs(type, x), a = QuantizeAs(activationType, y);
        var wd = new float[n];
        var ad = new float[n];
        Dequantize.Row(type, w, wd);
        Dequantize.Row(activationType, a, ad);
        double reference = 0, magnitude = 0;
        for (int i = 0; i < n; i++)
        {
            reference += (double)wd[i] * ad[i];
            magnitude += Math.Abs((double)wd[i] * ad[i]);
        }
        // Q8_1's stored s = d·Σq is itself f16-rounded, which costs a little more for Q4_1/Q5_1.
        double tolerance = (type is TensorType.Q4_1 or TensorType.Q5_1 ? 2e-4 : 1e-6) * magnitude;
        float dot = QuantizedDot.Row(type, w, a);
        Assert.True(Math.Abs(dot - reference) <= tolerance, $"{type}: dot {dot}, dequantized reference {reference}, tolerance {tolerance}");
    }

    [Fact]
    public void Row_MismatchedLengths_ThrowsNamingActivations()
    {
        var e = Assert.Throws<ArgumentException>(() => QuantizedDot.Row(TensorType.Q4_0, new byte[36], new byte[34]));
        Assert.Equal("activations", e.ParamName);
    }

    [Fact]
    public void Row_PartialWeightBlock_ThrowsNamingWeights()
    {
        var e = Assert.Throws<ArgumentException>(() => QuantizedDot.Row(TensorType.Q4_K, new byte[143], new byte[292]));
        Assert.Equal("weights", e.ParamName);
    }

    [Theory]
    [InlineData(TensorType.F32)]
    [InlineData(TensorType.Q8_K)]
    [InlineData(TensorType.Q8_1)]
    public void ActivationType_NoQuantizedDot_ThrowsNotSupported(TensorType type)
        => Assert.Throws<NotSupportedException>(() => QuantizedDot.ActivationType(type));

    private static byte[] QuantizeAs(TensorType type, float[] values)
    {
        var q = new byte[TensorTypeInfo.ByteCount(type, values.Length)];
        Quantize.Row(type, values, q);
        return q;
    }
}
