using System.Runtime.InteropServices;
using System.Security.Cryptography;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Tests.Quantization;

/// <summary>
/// SHA-256 digests of what ggml's own C code produces from a deterministic input: <c>quantize_row_*_ref</c>
/// (<c>quantize_iq4_nl</c> for IQ4_NL, as llama-quantize), <c>dequantize_row_*</c> of those bytes, and
/// <c>ggml_vec_dot_*_generic</c> per 256-value row against activations quantized from a second input.
/// Recorded from ggml-org/llama.cpp @ 1fd6dfe9f (the fixtures' commit), ggml-quants.c and ggml-cpu/quants.c built
/// with GCC 12 <c>-O3 -DNDEBUG</c> for baseline x86-64 as ggml-base is (no FMA contraction). The input uses only an
/// LCG and exact f32 operations, so C and C# generate the same bits. This pins the K-quant searches, which no
/// fixture file can (there is no F32 source for them).
/// </summary>
public class GgmlGoldenTests
{
    private const int Rows = 64;
    private const int N = Rows * 256;

    private static readonly Lazy<float[]> s_input = new(() => Input(1));
    private static readonly Lazy<float[]> s_input2 = new(() => Input(2));

    public static TheoryData<TensorType, string, string, string?> Digests => new()
    {
        { TensorType.Q4_0, "c22c8c5eb3f1d46a6be85587ad7fe9a2b55f97abdbd3928056b3b6c946f5f1fc", "d367010f2cf75f3b439bce4eac7ae46e293a76e49c1d8c91c25cfece16375730", "e4159ec2e5b045f6772c047baf08aae19997583d54a6303bd8012fc01c603d33" },
        { TensorType.Q4_1, "063a9e5f8e4b25128809c10e8a518113a69eee55b2f88f1ab20235d93b7177de", "21d7cc928867be77c3f897b2dc94085e756f4c3f25d941dc3b1843ecc90af174", "a66611c9b47558e582616df72582a83b2a9d8294638dc2d741a01dc06243c85b" },
        { TensorType.Q5_0, "2c513d8a55d13c4c1abb641c9d5fff16522bf7e3f8a576195dcdbede6fb2873d", "27afc8214c93ae8b3cee691e3b6b00bf5b1bef1783e35e03cf5282c04526c71d", "98f4f994893fae65a5617bee9c2bc81a2765a1132e553cbb877a39fe0594c838" },
        { TensorType.Q5_1, "1f754e7f0d12d61c7664d51e124a120a1ec1e91e3dbe8d9c643e5a6a0699f8b8", "e336a08ce0e7e623770161d4c4f12f8504a4d77f03c88e307779e9841bda8100", "0cc7e831928cc1050444ef827d1b8f4d60a59a62140b7d3c8778ec8d0a434b17" },
        { TensorType.Q8_0, "4c7af950c1f3302b43a6b25f5ffe08853e09ccf41f5ff7605691b5e9370cc35f", "0b8a838d36bd73ada5c023d1fb8500b9872e4661674969d836691351f4cace9f", "62a3016c55e726a08c6f7a98cdb7a360883703359a9eecd2877c5791941cb602" },
        { TensorType.Q8_1, "d66b9fca582319ab1cea1aad81062e95d6b1610b914da530a68a7d9b0a73a0d2", "", null },
        { TensorType.Q2_K, "4a8f4f94b368eea90695ac148239d577ddd5bc7a6950a00eada92460ce6b7dd5", "c610fcffba3e92d6b0420cc8c8e9adcf2779ede521519ac4bc7d6f0210df5c65", "c8ef515f83c63c2f18299566164690a31c2ecb1f005801dd9df2af90aa7ab045" },
        { TensorType.Q3_K, "571787544093137f071ede55049f4e0b384e77e9ec2eef6b0a0b955faf8697f1", "06e6c8919f5208520fbbc92e60b1e1628eb120e1663bde695cf4869c4d0c40e6", "f2fbbd4cb6c02873dc1a2734a0486dcef3010699e34802f949801cd8a9af8dc8" },
        { TensorType.Q4_K, "2b20380a2a187ccdc48c709e20c16339c4d25c7d3a4801d44f666a48bebefee7", "d96466294d507411e13a5611d2d8872dfc9e8acbe73171b84132d14a94cc119f", "29671129f4b8a3a3fe82c883772f449b77367fe961d66dd85e00fad895fadfc2" },
        { TensorType.Q5_K, "c9a4eab12e45353b567b17b70631f43e27ea52a7955c549fc023707da29badfd", "f8542adbc5abef98f64781c141880dc7c1b2e31d9c7b30b51b2cfb0ee2c78577", "63bb4a454974a80cb48dfcadfee7d06c2a62da2aea2be4f8e394a686a071d594" },
        { TensorType.Q6_K, "57f5af99a3ddcca8dec24dee4dbb3120b371473acc6d13e4fb05801db09daa0e", "b0a8000cb2c4ecc8c03080700e4c8a4c1324f1350d78e049fb5efef80202c0ab", "e967b347eb7ece60ee4ab229178a85dd5078b6b887a3e46bf18ab1b6bacf5e39" },
        { TensorType.Q8_K, "e6119be517f63244f164ba83708211c83cec91608e898bcb43eba53103405f90", "93ec4a7165e9040721ced3b60ab2756bccb7eee6c1f01b4de504ff8858ce1f4c", null },
        { TensorType.IQ4_NL, "607e785e2310423e78048e1af66b7dd58fe59061e6d71c3cf03998d8590a0d25", "e919dd2734d0d020958a488c7e58c915a03442dd3ce3f378588da01c19432e58", null },
    };

    [Fact]
    public void Input_Generator_MatchesTheOneGgmlRanOn()
        => Assert.Equal("a3324cb3760a5dd52e21e6a4b2712b8d6bc90f92fd561a4afb144ad3d61778b4", Digest(s_input.Value));

    [Theory]
    [MemberData(nameof(Digests))]
    public void Row_DeterministicInput_MatchesGgmlBytesDequantizationAndDot(TensorType type, string quantized, string dequantized, string? dot)
    {
        float[] x = s_input.Value;
        var q = new byte[TensorTypeInfo.ByteCount(type, N)];
        Quantize.Row(type, x, q);
        Assert.Equal(quantized, Digest(q));

        if (dequantized.Length > 0)
        {
            var y = new float[N];
            Dequantize.Row(type, q, y);
            Assert.Equal(dequantized, Digest(y));
        }

        if (dot is not null)
        {
            TensorType activationType = QuantizedDot.ActivationType(type);
            var a = new byte[TensorTypeInfo.ByteCount(activationType, N)];
            Quantize.Row(activationType, s_input2.Value, a);
            int weightRow = checked((int)TensorTypeInfo.ByteCount(type, 256));
            int activationRow = checked((int)TensorTypeInfo.ByteCount(activationType, 256));
            var dots = new float[Rows];
            for (int r = 0; r < Rows; r++)
                dots[r] = QuantizedDot.Row(type, q.AsSpan(r * weightRow, weightRow), a.AsSpan(r * activationRow, activationRow));
            Assert.Equal(dot, Digest(dots));
        }
    }

    [Fact]
    public void IQ4_NLQuantize_WithoutSearch_MatchesGgmlRowRef()
    {
        // quantize_row_iq4_nl_ref: the activation-side variant, indices from the first scale guess
        var blocks = new BlockIQ4_NL[N / BlockIQ4_NL.Count];
        IQ4_NL.Quantize(s_input.Value, blocks, tries: -1);
        Assert.Equal("32f6f15f36a27ce01cdaba218f463776d6683cf9c2946a0cd4f21eb21482ec17", Digest(blocks));
    }

    /// <summary>
    /// 64 rows of 256 values, eight kinds of row (uniform, narrow, all-positive, outliers, sparse, half-zero,
    /// quarter-steps that force rounding ties, tiny values whose scales are f16 subnormals), from an LCG with only
    /// exact f32 conversions and single f32 operations.
    /// </summary>
    private static float[] Input(uint seed)
    {
        uint s = seed;
        float Next()
        {
            s = s * 1664525u + 1013904223u;
            return (s >> 8) * (1.0f / 16777216.0f);
        }
        var x = new float[N];
        for (int r = 0; r < Rows; r++)
        {
            for (int i = 0; i < 256; i++)
            {
                float a = Next(), b = Next();
                x[r * 256 + i] = (r % 8) switch
                {
                    0 => (a - 0.5f) * 2.0f,
                    1 => (a - 0.5f) * 0.05f,
                    2 => a,
                    3 => (a - 0.5f) * (b < 0.02f ? 40.0f : 1.0f),
                    4 => a < 0.8f ? 0.0f : b - 0.5f,
                    5 => i < 128 ? 0.0f : (a - 0.5f) * 3.0f,
                    6 => ((int)(a * 9.0f) - 4) * 0.25f,
                    _ => (a - 0.5f) * 1e-6f,
                };
            }
        }
        return x;
    }

    private static string Digest<T>(T[] values) where T : unmanaged
        => Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(values.AsSpan())));
}
