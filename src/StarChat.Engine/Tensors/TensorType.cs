namespace StarChat.Engine.Tensors;

/// <summary>
/// Element or block type of a tensor. Values below 1000 are ggml's type ids exactly as GGUF and legacy GGML files
/// store them; values from 1000 up are types that only other formats (safetensors, PyTorch) carry.
/// </summary>
public enum TensorType : uint
{
    /// <summary>IEEE binary32.</summary>
    F32 = 0,
    /// <summary>IEEE binary16.</summary>
    F16 = 1,
    /// <summary>32 weights: f16 scale d, 16 bytes of 4-bit values; w = d·(q − 8).</summary>
    Q4_0 = 2,
    /// <summary>32 weights: f16 d and m, 16 bytes of 4-bit values; w = d·q + m.</summary>
    Q4_1 = 3,
    /// <summary>32 weights: f16 d, 4 bytes of 5th bits, 16 bytes of low nibbles; w = d·(q − 16).</summary>
    Q5_0 = 6,
    /// <summary>32 weights: f16 d and m, 5th bits, low nibbles; w = d·q + m.</summary>
    Q5_1 = 7,
    /// <summary>32 weights: f16 d, 32 signed bytes; w = d·q.</summary>
    Q8_0 = 8,
    /// <summary>32 weights: f16 d and s = d·Σq, 32 signed bytes (activation format for Q4_1/Q5_1 dot products).</summary>
    Q8_1 = 9,
    /// <summary>256-weight super-block, 2-bit.</summary>
    Q2_K = 10,
    /// <summary>256-weight super-block, 3-bit.</summary>
    Q3_K = 11,
    /// <summary>256-weight super-block, 4-bit.</summary>
    Q4_K = 12,
    /// <summary>256-weight super-block, 5-bit.</summary>
    Q5_K = 13,
    /// <summary>256-weight super-block, 6-bit.</summary>
    Q6_K = 14,
    /// <summary>256 weights: f32 d, 256 signed bytes, 16 block sums (activation format for K-quant dot products).</summary>
    Q8_K = 15,
    /// <summary>32 weights: f16 d, 4-bit indices into a fixed non-linear table.</summary>
    IQ4_NL = 20,
    /// <summary>Signed 8-bit integer.</summary>
    I8 = 24,
    /// <summary>Signed 16-bit integer.</summary>
    I16 = 25,
    /// <summary>Signed 32-bit integer.</summary>
    I32 = 26,
    /// <summary>Signed 64-bit integer.</summary>
    I64 = 27,
    /// <summary>IEEE binary64.</summary>
    F64 = 28,
    /// <summary>bfloat16: the upper 16 bits of an IEEE binary32.</summary>
    BF16 = 30,

    /// <summary>Unsigned 8-bit integer (safetensors U8, torch uint8; not a ggml type).</summary>
    U8 = 1000,
    /// <summary>Boolean stored as one byte (safetensors BOOL, torch bool; not a ggml type).</summary>
    Bool = 1001,

    /// <summary>
    /// 32 weights: f32 row absmax a, 32 signed bytes; w = q·a/127 (not a ggml type). Holds bitsandbytes LLM.int8 rows
    /// (int8 <c>weight</c>, a = <c>SCB</c> of the row) without widening them.
    /// </summary>
    Q8_SCB = 1002,

    /// <summary>
    /// 32 weights: f32 scale s (an f16 value), u8 zero point z, 16 bytes of 4-bit q (byte j: element j low, j + 16 high);
    /// w = s·(q − z) (not a ggml type). Holds GPTQ 4-bit weights whose groups cover whole blocks of 32 inputs.
    /// </summary>
    Q4_GPTQ = 1003,
}
