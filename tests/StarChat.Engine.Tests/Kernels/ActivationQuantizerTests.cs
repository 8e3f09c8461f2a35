using StarChat.Engine.Kernels.Integer;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Tests.Kernels;

/// <summary>The vectorized activation quantizers write exactly the bytes of ggml's reference (<see cref="Quantize.Row"/>).</summary>
public sealed class ActivationQuantizerTests
{
    [Fact]
    public void Q8_K_RandomBlocksTiesSignsAndZeros_SameBytesAsReference()
    {
        if (!Q8_KActivations.IsSupported)
            Assert.Skip("no AVX2 here: the reference quantizer is used");
        var random = new Random(23);
        var blocks = new List<float[]>
        {
            new float[256],                                                                // all zero: d = 0, sums 0
            // max = −127 gives iscale = 1: halves are exact ties, rounded to even like ggml's nearest_int
            Enumerable.Range(0, 256).Select(i => i == 3 ? -127f : ((i % 2 == 0 ? 1 : -1) * ((i % 120) + 0.5f))).ToArray(),
            // equal magnitudes of both signs: the first one sets the sign of the scale
            Enumerable.Range(0, 256).Select(i => i == 10 ? 2f : i == 40 ? -2f : (float)Math.Sin(i)).ToArray(),
            Enumerable.Range(0, 256).Select(i => i == 10 ? -2f : i == 40 ? 2f : (float)Math.Cos(i)).ToArray(),
        };
        for (int b = 0; b < 60; b++)
        {
            float scale = MathF.Pow(10, random.Next(-6, 5));
            blocks.Add(Enumerable.Range(0, 256).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray());
        }
        var x = blocks.SelectMany(v => v).ToArray();
        var expected = new byte[TensorTypeInfo.ByteCount(TensorType.Q8_K, x.Length)];
        var actual = new byte[expected.Length];

        Quantize.Row(TensorType.Q8_K, x, expected);
        Q8_KActivations.Quantize(x, actual);

        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(TensorType.Q8_0)]
    [InlineData(TensorType.Q8_1)]
    public void Q8_0AndQ8_1_RandomBlocksTiesAndZeros_SameBytesAsReference(TensorType type)
    {
        if (!Q8Activations.IsSupported)
            Assert.Skip("no AVX2 here: the reference quantizer is used");
        var random = new Random(17);
        var blocks = new List<float[]>
        {
            new float[32],                                                                 // all zero: d = 0
            // amax 127 gives d = 1 and id = 1, so these halves are exact ties for the rounding
            Enumerable.Range(0, 32).Select(i => i == 0 ? 127f : (i % 2 == 0 ? 1 : -1) * (i + 0.5f)).ToArray(),
            Enumerable.Range(0, 32).Select(i => i == 5 ? -127f : (i - 16) * 0.5f).ToArray(),
            // all of one sign: Q8_1's sum of quants at its largest
            Enumerable.Range(0, 32).Select(i => 100f + i).ToArray(),
        };
        for (int b = 0; b < 200; b++)
        {
            float scale = MathF.Pow(10, random.Next(-6, 5));
            blocks.Add(Enumerable.Range(0, 32).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray());
        }
        var x = blocks.SelectMany(v => v).ToArray();
        var expected = new byte[TensorTypeInfo.ByteCount(type, x.Length)];
        var actual = new byte[expected.Length];

        Quantize.Row(type, x, expected);
        if (type == TensorType.Q8_0)
            Q8Activations.QuantizeQ8_0(x, actual);
        else
            Q8Activations.QuantizeQ8_1(x, actual);

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void NotWholeBlocks_Throws()
    {
        Assert.Throws<ArgumentException>(() => Q8Activations.QuantizeQ8_0(new float[33], new byte[34]));
        Assert.Throws<ArgumentException>(() => Q8Activations.QuantizeQ8_0(new float[32], new byte[33]));
        Assert.Throws<ArgumentException>(() => Q8Activations.QuantizeQ8_1(new float[32], new byte[34]));
        Assert.Throws<ArgumentException>(() => Q8_KActivations.Quantize(new float[255], new byte[292]));
    }
}
