namespace StarChat.Engine.Kernels;

/// <summary>How a model multiplies block-quantized weights.</summary>
public enum QuantizedMatMul
{
    /// <summary>
    /// The way ggml's CPU backend does it: activations quantized to 8 bits once per product (the weight type's
    /// <c>vec_dot_type</c>), integer dot products per block, f32 scales. Fast; results differ from
    /// <see cref="Exact"/> by the activation rounding (what llama.cpp's numbers also contain).
    /// </summary>
    Fast = 0,

    /// <summary>Weights dequantized to f32 and multiplied with f32 activations: the float reference, slow.</summary>
    Exact = 1,
}
