using System.Buffers.Binary;
using System.Runtime.InteropServices;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Tests.Kernels;

/// <summary>
/// A tensor whose bytes sit at a fixed address (a pinned array), as a memory-mapped weight's would, with its values
/// kept in double for references.
/// </summary>
internal sealed class NativeTensor
{
    private readonly byte[] _pinned;

    private NativeTensor(byte[] pinned, TensorView view, double[] values)
    {
        _pinned = pinned;
        View = view;
        Values = values;
    }

    public TensorView View { get; }

    /// <summary>The values exactly as stored (after rounding to the tensor's type).</summary>
    public double[] Values { get; }

    /// <summary>Random weights <c>[rows, columns]</c> in [-1, 1), rounded to <paramref name="type"/>.</summary>
    public static NativeTensor Random(TensorType type, int rows, int columns, int seed)
    {
        var source = KernelTestData.Uniform(rows * columns, seed);
        var shape = new TensorShape(rows, columns);
        int bytes = checked((int)TensorTypeInfo.ByteCount(type, shape.ElementCount));
        // Data starts 2 bytes into the array: 2-byte types then sit off 4-byte alignment, as in a packed file.
        const int offset = 2;
        var pinned = GC.AllocateArray<byte>(bytes + offset, pinned: true);
        var data = pinned.AsSpan(offset);
        var values = new double[source.Length];
        for (int i = 0; i < source.Length; i++)
        {
            switch (type)
            {
                case TensorType.F32:
                    BinaryPrimitives.WriteSingleLittleEndian(data[(4 * i)..], source[i]);
                    values[i] = source[i];
                    break;
                case TensorType.F16:
                    var half = (Half)source[i];
                    BinaryPrimitives.WriteHalfLittleEndian(data[(2 * i)..], half);
                    values[i] = (double)half;
                    break;
                case TensorType.BF16:
                    ushort bf = (ushort)(BitConverter.SingleToUInt32Bits(source[i]) >> 16);
                    BinaryPrimitives.WriteUInt16LittleEndian(data[(2 * i)..], bf);
                    values[i] = BitConverter.UInt32BitsToSingle((uint)bf << 16);
                    break;
                default:
                    throw new NotSupportedException(type.ToString());
            }
        }
        var view = new TensorView($"test.{TensorTypeInfo.Name(type)}", type, shape, Marshal.UnsafeAddrOfPinnedArrayElement(pinned, offset), bytes);
        return new NativeTensor(pinned, view, values);
    }

    /// <summary>Keeps the pinned bytes alive while the view is in use.</summary>
    /// <summary>The stored bytes, writable (e.g. to plant special values).</summary>
    public Span<byte> Data => _pinned.AsSpan(2);

    public void KeepAlive() => GC.KeepAlive(_pinned);
}
