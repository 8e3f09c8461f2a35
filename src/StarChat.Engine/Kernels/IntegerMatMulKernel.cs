using System.Runtime.CompilerServices;
using StarChat.Engine.Kernels.Integer;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels;

/// <summary>
/// Block-quantized weights the way ggml's CPU backend multiplies them: each token's activations are quantized once
/// per product to the weight type's 8-bit <c>vec_dot_type</c> (<see cref="QuantizedDot.ActivationType"/>), then each
/// output is an integer dot product per block with f32 scales (<see cref="IntegerDot"/>). Several tokens: each weight
/// row is used for every token while it sits in L1, so the weights stream from memory once per call, and where a
/// four-token kernel exists each block is unpacked once for four tokens.
/// </summary>
internal sealed unsafe class IntegerMatMulKernel : IMatMulKernel
{
    private readonly TensorType _activationType;
    private readonly int _blockSize;
    private readonly int _activationBlockBytes;
    private readonly int _eightRowBlockBytes;

    public IntegerMatMulKernel(TensorType weightType)
    {
        WeightType = weightType;
        _activationType = QuantizedDot.ActivationType(weightType);
        _blockSize = TensorTypeInfo.BlockSize(weightType);
        _activationBlockBytes = TensorTypeInfo.BlockBytes(_activationType);
        _eightRowBlockBytes = IntegerDot.EightRowBlockBytes(weightType);
        // The kernels read static tables (f16 scales, shuffle masks). Initialized before any kernel is compiled, a
        // kernel compiled straight to optimized code (the CLI turns quick JIT off for methods with loops) bakes them
        // in; otherwise its inner loop checks for them and the call it might make there spills every vector register.
        RuntimeHelpers.RunClassConstructor(typeof(HalfTable).TypeHandle);
        RuntimeHelpers.RunClassConstructor(typeof(IntegerDot).TypeHandle);
    }

    public TensorType WeightType { get; }

    public int PreparedBytesPerToken(int inFeatures, int tokens)
    {
        if (inFeatures % _blockSize != 0)
            throw new ArgumentException($"{inFeatures} input features are not whole {TensorTypeInfo.Name(WeightType)} blocks of {_blockSize}", nameof(inFeatures));
        return checked(inFeatures / _blockSize * (_activationBlockBytes + _eightRowBlockBytes));
    }

    // The activation row, then (for the eight-row kernel) an IntegerDot.BlockExtra per block.
    public void Prepare(KernelPath path, ReadOnlySpan<float> input, int tokens, Span<byte> prepared)
    {
        int blocks = input.Length / _blockSize;
        var row = prepared[..(blocks * _activationBlockBytes)];
        // The same bytes as Quantize.Row, vectorized.
        if (_activationType == TensorType.Q8_0 && Q8Activations.IsSupported)
            Q8Activations.QuantizeQ8_0(input, row);
        else if (_activationType == TensorType.Q8_1 && Q8Activations.IsSupported)
            Q8Activations.QuantizeQ8_1(input, row);
        else if (_activationType == TensorType.Q8_K && Q8_KActivations.IsSupported)
            Q8_KActivations.Quantize(input, row);
        else
            Quantize.Row(_activationType, input, row);
        // Only the eight- and sixteen-row kernels read the extras (Q8_0 decodes one row at a time: none to write).
        if (_eightRowBlockBytes == 0 || !IntegerDot.HasEightRowKernel(WeightType, path, tokens))
            return;
        fixed (byte* p = prepared)
            IntegerDot.PrepareBlockExtras(WeightType, p, blocks, (IntegerDot.BlockExtra*)(p + blocks * _activationBlockBytes));
    }

    public void Multiply(in MatMulBlock block)
    {
        var path = block.Path;
        int blocks = block.InFeatures / _blockSize;
        if (!IntegerDot.HasVectorKernel(WeightType, path))
        {
            int activationBytes = blocks * _activationBlockBytes;
            for (int r = 0; r < block.RowCount; r++)
            {
                var row = block.Weights.Slice(r * block.RowBytes, block.RowBytes);
                for (int t = 0; t < block.Tokens; t++)
                    block.Output[t * block.OutFeatures + block.RowStart + r] =
                        QuantizedDot.Row(WeightType, row, block.Prepared.Slice(t * block.PreparedBytesPerToken, activationBytes));
            }
            return;
        }
        fixed (byte* weights = block.Weights)
        fixed (byte* prepared = block.Prepared)
        fixed (float* output = block.Output)
        {
            long stride = block.PreparedBytesPerToken, outStride = block.OutFeatures;
            bool fourTokens = IntegerDot.HasFourTokenKernel(WeightType, path);
            int r = 0;
            if (IntegerDot.HasSixteenRowKernel(WeightType, path, block.Tokens))
            {
                for (; r + 16 <= block.RowCount; r += 16)
                    IntegerDot.SixteenRows(WeightType, weights + (long)r * block.RowBytes, block.RowBytes, prepared, stride, blocks,
                        block.Tokens, output + block.RowStart + r, outStride);
            }
            if (IntegerDot.HasEightRowKernel(WeightType, path, block.Tokens))
            {
                for (; r + 8 <= block.RowCount; r += 8)
                    IntegerDot.EightRows(WeightType, weights + (long)r * block.RowBytes, block.RowBytes, prepared, stride, blocks,
                        block.Tokens, output + block.RowStart + r, outStride);
            }
            for (; r < block.RowCount; r++)
            {
                byte* row = weights + (long)r * block.RowBytes;
                float* y = output + block.RowStart + r;
                int t = 0;
                for (; fourTokens && t + 4 <= block.Tokens; t += 4)
                    IntegerDot.RowFourTokens(WeightType, row, prepared + t * stride, stride, blocks, y + t * outStride, outStride);
                for (; t < block.Tokens; t++)
                    y[t * outStride] = IntegerDot.Row(WeightType, path, row, prepared + t * stride, blocks);
            }
        }
    }
}
