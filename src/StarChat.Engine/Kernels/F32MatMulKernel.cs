using System.Runtime.InteropServices;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels;

/// <summary>F32 weights: one dot product per row for a single token, 2×4 tiles straight off the weights for more.</summary>
internal sealed class F32MatMulKernel : IMatMulKernel
{
    public TensorType WeightType => TensorType.F32;

    public int PreparedBytesPerToken(int inFeatures, int tokens) => 0;

    public void Prepare(KernelPath path, ReadOnlySpan<float> input, int tokens, Span<byte> prepared) { }

    public void Multiply(in MatMulBlock block)
    {
        var w = MemoryMarshal.Cast<byte, float>(block.Weights);
        if (block.Tokens == 1)
        {
            var y = block.Output.Slice(block.RowStart, block.RowCount);
            for (int r = 0; r < y.Length; r++)
                y[r] = VectorMath.Dot(block.Path, w.Slice(r * block.InFeatures, block.InFeatures), block.Input);
            return;
        }
        FloatTiles.Multiply(block.Path, w, block.RowCount, block.Input, block.Tokens, block.InFeatures,
            block.Output, block.OutFeatures, block.RowStart);
    }
}
