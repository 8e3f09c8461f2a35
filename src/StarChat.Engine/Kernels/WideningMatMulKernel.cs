using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels;

/// <summary>
/// Weights kept packed in memory that have their own SIMD row dot with f32 activations: bitsandbytes LLM.int8 rows
/// (<see cref="TensorType.Q8_SCB"/>, one byte per weight) and GPTQ 4-bit (<see cref="TensorType.Q4_GPTQ"/>, about 0.66
/// bytes per weight). One token: each row is widened inside its dot product, so decoding reads only the packed bytes.
/// Several tokens: as <see cref="DequantizingMatMulKernel"/>, the block's rows are dequantized once into per-thread
/// f32 scratch and multiplied as F32 tiles, sharing the widening across tokens. Activations stay f32 (weight-only
/// quantization, unlike bitsandbytes' own int8×int8 matmul, which also rounds the activations).
/// </summary>
internal sealed class WideningMatMulKernel(TensorType type, WideningMatMulKernel.RowDot dot) : IMatMulKernel
{
    /// <summary>Dot product of one packed weight row with f32 activations on the given rung.</summary>
    public delegate float RowDot(KernelPath path, ReadOnlySpan<byte> row, ReadOnlySpan<float> x);

    private readonly DequantizingMatMulKernel _severalTokens = new(type);

    public TensorType WeightType => type;

    public int PreparedBytesPerToken(int inFeatures, int tokens) => 0;

    public void Prepare(KernelPath path, ReadOnlySpan<float> input, int tokens, Span<byte> prepared) { }

    public void Multiply(in MatMulBlock block)
    {
        if (block.Tokens != 1)
        {
            _severalTokens.Multiply(block);
            return;
        }
        var y = block.Output.Slice(block.RowStart, block.RowCount);
        for (int r = 0; r < y.Length; r++)
            y[r] = dot(block.Path, block.Weights.Slice(r * block.RowBytes, block.RowBytes), block.Input);
    }
}
