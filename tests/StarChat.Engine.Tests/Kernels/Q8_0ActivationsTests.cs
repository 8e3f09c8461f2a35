using StarChat.Engine.Kernels.Integer;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Tests.Kernels;

/// <summary>The vectorized activation quantizer writes exactly the bytes of ggml's reference (<see cref="Quantize.Row"/>).</summary>
public sealed class Q8_0ActivationsTests
{
    [Fact]
    public void Quantize_RandomBlocksTiesAndZeros_SameBytesAsReference()
    {
        if (!Q8_0Activations.IsSupported)
            Assert.Skip("no AVX2 here: the reference quantizer is used");
        var random = new Random(17);
        var blocks = new List<float[]>
        {
            new float[32],                                                                 // all zero: d = 0
            // amax 127 gives d = 1 and id = 1, so these halves are exact ties for the rounding
            Enumerable.Range(0, 32).Select(i => i == 0 ? 127f : (i % 2 == 0 ? 1 : -1) * (i + 0.5f)).ToArray(),
            Enumerable.Range(0, 32).Select(i => i == 5 ? -127f : (i - 16) * 0.5f).ToArray(),
        };
        for (int b = 0; b < 200; b++)
        {
            float scale = MathF.Pow(10, random.Next(-6, 5));
            blocks.Add(Enumerable.Range(0, 32).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray());
        }
        var x = blocks.SelectMany(v => v).ToArray();
        var expected = new byte[TensorTypeInfo.ByteCount(TensorType.Q8_0, x.Length)];
        var actual = new byte[expected.Length];

        Quantize.Row(TensorType.Q8_0, x, expected);
        Q8_0Activations.Quantize(x, actual);

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Quantize_NotWholeBlocks_Throws()
    {
        Assert.Throws<ArgumentException>(() => Q8_0Activations.Quantize(new float[33], new byte[34]));
        Assert.Throws<ArgumentException>(() => Q8_0Activations.Quantize(new float[32], new byte[33]));
    }
}
