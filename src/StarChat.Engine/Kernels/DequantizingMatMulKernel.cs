using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels;

/// <summary>
/// Quantized weights computed exactly as their dequantized float values: each row is expanded to f32 (bit-exact with
/// ggml's <c>to_float</c>) and multiplied with f32 activations. This is the reference path — it matches a float64
/// model on the same dequantized weights to float32 rounding — and the fallback for any block type without a
/// faster integer kernel. One token: row by row through a small scratch row; several tokens: the block's rows are
/// expanded once and multiplied as f32 tiles.
/// </summary>
internal sealed class DequantizingMatMulKernel(TensorType type) : IMatMulKernel
{
    public TensorType WeightType => type;

    public int PreparedBytesPerToken(int inFeatures, int tokens) => 0;

    public void Prepare(KernelPath path, ReadOnlySpan<float> input, int tokens, Span<byte> prepared) { }

    public void Multiply(in MatMulBlock block)
    {
        int n = block.InFeatures;
        if (block.Tokens == 1)
        {
            var row = KernelScratch.Floats(n);
            var y = block.Output.Slice(block.RowStart, block.RowCount);
            for (int r = 0; r < y.Length; r++)
            {
                Dequantize.Row(type, block.Weights.Slice(r * block.RowBytes, block.RowBytes), row);
                y[r] = VectorMath.Dot(block.Path, row, block.Input);
            }
            return;
        }
        var expanded = KernelScratch.Floats(checked(block.RowCount * n));
        for (int r = 0; r < block.RowCount; r++)
            Dequantize.Row(type, block.Weights.Slice(r * block.RowBytes, block.RowBytes), expanded.Slice(r * n, n));
        FloatTiles.Multiply(block.Path, expanded, block.RowCount, block.Input, block.Tokens, n,
            block.Output, block.OutFeatures, block.RowStart);
    }
}
