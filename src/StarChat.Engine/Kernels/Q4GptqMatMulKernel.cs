using System.Runtime.InteropServices;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels;

/// <summary>
/// <see cref="TensorType.Q4_GPTQ"/> weights (GPTQ 4-bit, kept packed in memory) times f32 activations. One token:
/// each row's nibbles are widened inside the dot product (<see cref="VectorMath.DotQ4Gptq"/>), so decoding reads
/// about 0.66 bytes per weight. Several tokens: the block's rows are dequantized once into per-thread f32 scratch and
/// multiplied as F32 tiles, sharing the widening across tokens.
/// </summary>
internal sealed class Q4GptqMatMulKernel : IMatMulKernel
{
    public TensorType WeightType => TensorType.Q4_GPTQ;

    public int PreparedBytesPerToken(int inFeatures) => 0;

    public void Prepare(ReadOnlySpan<float> input, Span<byte> prepared) { }

    public void Multiply(in MatMulBlock block)
    {
        int n = block.InFeatures;
        if (block.Tokens == 1)
        {
            var y = block.Output.Slice(block.RowStart, block.RowCount);
            for (int r = 0; r < y.Length; r++)
            {
                var row = MemoryMarshal.Cast<byte, BlockQ4_GPTQ>(block.Weights.Slice(r * block.RowBytes, block.RowBytes));
                y[r] = VectorMath.DotQ4Gptq(block.Path, row, block.Input);
            }
            return;
        }
        var expanded = KernelScratch.Floats(checked(block.RowCount * n));
        for (int r = 0; r < block.RowCount; r++)
            Q4_GPTQ.Dequantize(MemoryMarshal.Cast<byte, BlockQ4_GPTQ>(block.Weights.Slice(r * block.RowBytes, block.RowBytes)), expanded.Slice(r * n, n));
        FloatTiles.Multiply(block.Path, expanded, block.RowCount, block.Input, block.Tokens, n,
            block.Output, block.OutFeatures, block.RowStart);
    }
}
