using StarChat.Engine.Kernels;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Tests.Kernels;

/// <summary>
/// Checks the public, dispatching entry points on whatever rung this process selected. <see cref="IsaKnobTests"/>
/// reruns this class in child processes with ISA knobs turned off, telling it which rung to expect through
/// <see cref="ExpectedPathVariable"/>.
/// </summary>
[Collection(nameof(KernelSelection))]
public class KernelSelfCheckTests
{
    public const string ExpectedPathVariable = "STARCHAT_TEST_EXPECT_KERNEL_PATH";

    [Fact]
    public void Current_IsTheExpectedRung()
    {
        var expected = KernelSelection.Parse(Environment.GetEnvironmentVariable(ExpectedPathVariable));
        if (expected is not null)
            Assert.Equal(expected.Value, KernelSelection.Current);
        else if (Environment.GetEnvironmentVariable(KernelSelection.OverrideVariable) is null)
            Assert.Equal(KernelSelection.Detect(), KernelSelection.Current);
        Assert.True(KernelSelection.IsAccelerated(KernelSelection.Current), $"{KernelSelection.Current} selected but not accelerated");
        if (Environment.GetEnvironmentVariable(IsaKnobTests.VnniKnob) == "0")
            Assert.False(System.Runtime.Intrinsics.X86.AvxVnni.IsSupported, $"{IsaKnobTests.VnniKnob}=0 left AVX-VNNI on (knob renamed?)");
    }

    [Fact]
    public void PublicEntryPoints_OnSelectedRung_MatchDoubleReferences()
    {
        const int n = 259;   // not a multiple of any vector width
        var x = KernelTestData.Uniform(n, seed: 1, low: -4, high: 4);
        var y = KernelTestData.Uniform(n, seed: 2);

        double dot = 0, magnitude = 0;
        for (int i = 0; i < n; i++)
        {
            dot += (double)x[i] * y[i];
            magnitude += Math.Abs((double)x[i] * y[i]);
        }
        KernelAssert.Close(dot, VectorMath.Dot(x, y), 1e-6 * magnitude, "Dot");

        var gelu = new float[n];
        VectorMath.GeluTanh(x, gelu);
        KernelAssert.AllClose(x.Select(v => VectorMathTests.GeluReference(v)).ToArray(), gelu, relative: 1e-5, floor: 1e-6, "GeluTanh");

        var normed = new float[n];
        VectorMath.LayerNorm(x, y, y, normed, 1e-5f);
        KernelAssert.AllClose(VectorMathTests.LayerNormReference(x, y, y, 1e-5), normed, relative: 1e-5, floor: 1, "LayerNorm");

        var probabilities = x.ToArray();
        VectorMath.Softmax(probabilities);
        double max = x.Max(), sum = x.Sum(v => Math.Exp(v - max));
        KernelAssert.AllClose(x.Select(v => Math.Exp(v - max) / sum).ToArray(), probabilities, relative: 5e-6, floor: 1e-9, "Softmax");

        foreach (int tokens in new[] { 1, 6 })
        {
            var weight = NativeTensor.Random(TensorType.F16, 21, n, seed: 3);
            var input = KernelTestData.Uniform(tokens * n, seed: 4);
            var output = new float[tokens * 21];
            MatMul.Multiply(input, tokens, weight.View, [], output);
            for (int t = 0; t < tokens; t++)
            {
                for (int o = 0; o < 21; o++)
                {
                    double expected = 0, size = 0;
                    for (int i = 0; i < n; i++)
                    {
                        expected += input[t * n + i] * weight.Values[o * n + i];
                        size += Math.Abs(input[t * n + i] * weight.Values[o * n + i]);
                    }
                    KernelAssert.Close(expected, output[t * 21 + o], 1e-6 * size, $"MatMul F16 T={tokens} y[{t}, {o}]");
                }
            }
            weight.KeepAlive();
        }
    }

    [Theory]
    [InlineData(TensorType.Q8_0)]
    [InlineData(TensorType.Q4_0)]
    [InlineData(TensorType.Q4_1)]
    [InlineData(TensorType.Q5_0)]
    [InlineData(TensorType.Q5_1)]
    [InlineData(TensorType.Q6_K)]
    [InlineData(TensorType.Q4_K)]
    [InlineData(TensorType.Q5_K)]
    public void FastQuantizedMatMul_OnSelectedRung_MatchesGgmlGenericDot(TensorType type)
    {
        int columns = 2 * TensorTypeInfo.BlockSize(type) * 4, rows = 19;
        var activationType = QuantizedDot.ActivationType(type);
        foreach (int tokens in new[] { 1, 5 })
        {
            var weights = QuantizedTensor.Random(type, rows, columns, seed: 21);
            var input = KernelTestData.Uniform(tokens * columns, seed: 22, low: -2, high: 2);
            var output = new float[tokens * rows];
            MatMul.Multiply(MatMulKernelSet.Fast, input, tokens, weights.View, [], output);
            int rowBytes = checked((int)weights.View.RowBytes);
            var activations = new byte[TensorTypeInfo.ByteCount(activationType, columns)];
            for (int t = 0; t < tokens; t++)
            {
                Quantize.Row(activationType, input.AsSpan(t * columns, columns), activations);
                for (int r = 0; r < rows; r++)
                {
                    double magnitude = 0;
                    for (int i = 0; i < columns; i++)
                        magnitude += Math.Abs(weights.Values[r * columns + i] * input[t * columns + i]);
                    KernelAssert.Close(QuantizedDot.Row(type, weights.Bytes.Slice(r * rowBytes, rowBytes), activations),
                        output[t * rows + r], 1e-5 * magnitude + 1e-6, $"{type} on {KernelSelection.Current} T={tokens} y[{t}, {r}]");
                }
            }
            weights.KeepAlive();
        }
    }
}
