using System.Runtime.InteropServices;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels;

/// <summary>
/// <see cref="TensorType.Q8_SCB"/> weights (bitsandbytes LLM.int8 rows, kept as int8 in memory) times f32 activations.
/// One token: each row's int8 values are widened inside the dot product (<see cref="VectorMath.DotQ8Scb"/>), so
/// decoding reads one byte per weight. Several tokens: the block's rows are dequantized once into per-thread f32
/// scratch and multiplied as F32 tiles, sharing the widening across tokens. Activations stay f32 (weight-only
/// quantization, unlike bitsandbytes' own int8×int8 matmul, which also rounds the activations).
/// </summary>
internal sealed class Q8ScbMatMulKernel : IMatMulKernel
{
    public TensorType WeightType => TensorType.Q8_SCB;

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
                var row = MemoryMarshal.Cast<byte, BlockQ8_SCB>(block.Weights.Slice(r * block.RowBytes, block.RowBytes));
                y[r] = VectorMath.DotQ8Scb(block.Path, row, block.Input);
            }
            return;
        }
        var expanded = KernelScratch.Floats(checked(block.RowCount * n));
        for (int r = 0; r < block.RowCount; r++)
            Q8_SCB.Dequantize(MemoryMarshal.Cast<byte, BlockQ8_SCB>(block.Weights.Slice(r * block.RowBytes, block.RowBytes)), expanded.Slice(r * n, n));
        FloatTiles.Multiply(block.Path, expanded, block.RowCount, block.Input, block.Tokens, n,
            block.Output, block.OutFeatures, block.RowStart);
    }
}
