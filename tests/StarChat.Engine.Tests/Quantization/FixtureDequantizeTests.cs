using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;
using StarChat.Engine.Tests.Quantization.Fixtures;

namespace StarChat.Engine.Tests.Quantization;

/// <summary>
/// Every non-F32 tensor of every shipped fixture GGUF against <c>expected.json → files[…].dequant_checks</c>
/// (gguf-py's dequantization, checked there to equal ggml's to the bit): first 8 values exact, float64 sum within
/// 1e-6·√Σx², Σx² within 1e-9 relative (fixtures/README.md §8).
/// </summary>
public class FixtureDequantizeTests
{
    public static TheoryData<string> Files => [.. FixtureFiles.Gguf];

    [Theory]
    [MemberData(nameof(Files))]
    public void Row_EveryQuantizedFixtureTensor_MatchesDequantChecks(string path)
    {
        var manifest = FixtureFiles.Manifest(path);
        var checks = manifest.GetProperty("dequant_checks");
        var types = manifest.GetProperty("tensor_types");
        var (file, tensors) = FixtureFiles.OpenGguf(path);

        int checkedTensors = 0;
        foreach (var check in checks.EnumerateObject())
        {
            GgufTensor t = tensors[check.Name];
            Assert.Equal(Enum.Parse<TensorType>(types.GetProperty(check.Name).GetString()!), t.Type);

            int rowLength = checked((int)t.RowLength);
            int rowBytes = checked((int)TensorTypeInfo.ByteCount(t.Type, rowLength));
            var row = new float[rowLength];
            var first8 = new List<float>();
            double sum = 0, sumSq = 0;
            for (long r = 0; r < t.RowCount; r++)
            {
                Dequantize.Row(t.Type, file.AsSpan(checked((int)(t.Offset + r * rowBytes)), rowBytes), row);
                foreach (float v in row)
                {
                    if (first8.Count < 8)
                        first8.Add(v);
                    sum += v;
                    sumSq += (double)v * v;
                }
            }

            float[] expectedFirst8 = [.. check.Value.GetProperty("first8").EnumerateArray().Select(e => (float)e.GetDouble())];
            for (int i = 0; i < 8; i++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(expectedFirst8[i]) == BitConverter.SingleToInt32Bits(first8[i]),
                    $"{path} {check.Name} ({t.Type}) value {i}: expected {expectedFirst8[i]:R}, got {first8[i]:R}");
            }
            double expectedSum = check.Value.GetProperty("sum").GetDouble();
            double expectedSumSq = check.Value.GetProperty("sum_sq").GetDouble();
            Assert.True(Math.Abs(sum - expectedSum) <= 1e-6 * Math.Sqrt(expectedSumSq),
                $"{path} {check.Name} ({t.Type}): sum {sum:R}, expected {expectedSum:R}");
            Assert.True(Math.Abs(sumSq - expectedSumSq) <= 1e-9 * expectedSumSq,
                $"{path} {check.Name} ({t.Type}): sum of squares {sumSq:R}, expected {expectedSumSq:R}");
            checkedTensors++;
        }

        int quantizedInFile = tensors.Values.Count(t => t.Type != TensorType.F32);
        Assert.Equal(quantizedInFile, checkedTensors);
    }
}
