using System.Runtime.InteropServices;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Tests.Kernels;

/// <summary>Random weights quantized with the reference quantizer into pinned memory (as a mapped file's would be),
/// with their dequantized values kept for magnitudes.</summary>
internal sealed class QuantizedTensor
{
    private readonly byte[] _pinned;

    private QuantizedTensor(byte[] pinned, TensorView view, float[] values)
    {
        _pinned = pinned;
        View = view;
        Values = values;
    }

    public TensorView View { get; }

    /// <summary>The weights as stored, dequantized.</summary>
    public float[] Values { get; }

    public ReadOnlySpan<byte> Bytes => _pinned;

    public static QuantizedTensor Random(TensorType type, int rows, int columns, int seed)
    {
        // Spread the magnitudes per row so block scales vary, as in real weights.
        var source = KernelTestData.Uniform(rows * columns, seed);
        var random = new Random(seed + 1);
        for (int r = 0; r < rows; r++)
        {
            float gain = 0.05f + 2 * random.NextSingle();
            for (int i = 0; i < columns; i++)
                source[r * columns + i] *= gain;
        }
        return Of(type, rows, columns, source);
    }

    /// <summary>The given values (rows × columns) quantized.</summary>
    public static QuantizedTensor Of(TensorType type, int rows, int columns, float[] source)
    {
        int bytes = checked((int)TensorTypeInfo.ByteCount(type, (long)rows * columns));
        var pinned = GC.AllocateArray<byte>(bytes, pinned: true);
        Quantize.Row(type, source, pinned);
        var values = new float[source.Length];
        Dequantize.Row(type, pinned, values);
        var view = new TensorView($"test.{TensorTypeInfo.Name(type)}", type, new TensorShape(rows, columns),
            Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0), bytes);
        return new QuantizedTensor(pinned, view, values);
    }

    public void KeepAlive() => GC.KeepAlive(_pinned);
}
