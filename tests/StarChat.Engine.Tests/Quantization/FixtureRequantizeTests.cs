using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;
using StarChat.Engine.Tests.Quantization.Fixtures;

namespace StarChat.Engine.Tests.Quantization;

/// <summary>
/// The small-starchat K-quant fixtures have no shipped F32 source, so the K quantizers are checked for stability
/// instead: quantizing the dequantized weights of a llama-quantize file again with the same type must give those
/// weights back exactly (Q4_K, Q6_K) or very nearly (Q2_K, Q3_K, Q5_K, whose searches can settle on another scale
/// for a block that fits both). Byte-exactness against ggml's C quantizers on random data was checked outside CI.
/// </summary>
public class FixtureRequantizeTests
{
    public static TheoryData<string> Files => ["gguf/small-starchat.q2_k.gguf", "gguf/small-starchat.q3_k_m.gguf"];

    [Theory]
    [MemberData(nameof(Files))]
    public void Row_DequantizedKQuantFixtureTensor_RequantizesToSameOrCloseWeights(string path)
    {
        var (file, tensors) = FixtureFiles.OpenGguf(path);
        foreach (GgufTensor t in tensors.Values.Where(t => t.Type != TensorType.F32))
        {
            // token_embd has 49156 rows; 512 of them are plenty and keep the test fast
            long rows = Math.Min(t.RowCount, 512);
            int n = checked((int)(t.RowLength * rows));
            int bytes = checked((int)TensorTypeInfo.ByteCount(t.Type, n));
            var original = new float[n];
            Dequantize.Row(t.Type, file.AsSpan(checked((int)t.Offset), bytes), original);
            var again = RoundTripTests.QuantizeDequantize(t.Type, original);

            double err = 0, norm = 0;
            for (int i = 0; i < n; i++)
            {
                err += (double)(again[i] - original[i]) * (again[i] - original[i]);
                norm += (double)original[i] * original[i];
            }
            double relative = Math.Sqrt(err / norm);
            // Measured on these files: Q4_K and Q6_K 0 (exact), Q5_K 0.0034–0.0038, Q2_K 0.0096–0.0106,
            // Q3_K 0.031–0.032; a fresh quantization of Gaussian data costs 0.071, 0.036, 0.30 and 0.15 respectively.
            double bound = t.Type switch
            {
                TensorType.Q4_K or TensorType.Q6_K => 0,
                TensorType.Q5_K => 0.005,
                TensorType.Q2_K => 0.014,
                TensorType.Q3_K => 0.04,
                _ => throw new InvalidOperationException($"{t.Name}: unexpected {t.Type}"),
            };
            Assert.True(relative <= bound, $"{path} {t.Name} ({t.Type}): requantization error {relative:E3} > {bound}");
        }
    }
}
