namespace StarChat.Engine.Tensors;

/// <summary>
/// A named tensor whose bytes live elsewhere: usually in a memory-mapped model file, else in native memory owned by
/// the <see cref="IWeightSource"/> that handed it out. A view is valid while that source is alive; it never copies.
/// </summary>
public sealed class TensorView
{
    /// <summary>Creates a view over <paramref name="byteLength"/> bytes at <paramref name="address"/>.</summary>
    /// <exception cref="ArgumentException">The byte length does not match the type and shape.</exception>
    public TensorView(string name, TensorType type, TensorShape shape, nint address, long byteLength)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        long expected = TensorTypeInfo.ByteCount(type, shape.ElementCount);
        if (expected != byteLength)
            throw new ArgumentException($"tensor '{name}': {type} {shape} needs {expected} bytes, got {byteLength}", nameof(byteLength));
        Name = name;
        Type = type;
        Shape = shape;
        Address = address;
        ByteLength = byteLength;
    }

    /// <summary>The tensor's name in the source it came from (or the canonical Hugging Face name, see the source).</summary>
    public string Name { get; }

    /// <summary>Element or block type.</summary>
    public TensorType Type { get; }

    /// <summary>Dimensions, outermost first.</summary>
    public TensorShape Shape { get; }

    /// <summary>Address of the first byte.</summary>
    public nint Address { get; }

    /// <summary>Size of the data in bytes.</summary>
    public long ByteLength { get; }

    /// <summary>Bytes of one row (the innermost dimension).</summary>
    public long RowBytes => TensorTypeInfo.ByteCount(Type, Shape.RowLength);

    /// <summary>The whole tensor as a span.</summary>
    /// <exception cref="InvalidOperationException">The tensor is larger than a span can address (2 GiB); use <see cref="Row"/>.</exception>
    public unsafe ReadOnlySpan<byte> Bytes
        => ByteLength <= int.MaxValue
            ? new ReadOnlySpan<byte>((void*)Address, (int)ByteLength)
            : throw new InvalidOperationException($"tensor '{Name}' has {ByteLength} bytes; read it row by row");

    /// <summary>The bytes of row <paramref name="row"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The row index is outside the tensor.</exception>
    public unsafe ReadOnlySpan<byte> Row(long row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Shape.RowCount);
        long rowBytes = RowBytes;
        return new ReadOnlySpan<byte>((byte*)Address + row * rowBytes, checked((int)rowBytes));
    }

    /// <summary>
    /// What a kernel learned about these weights on first use and keeps for the next calls (for F16 decoding on
    /// AVX-512, where the subnormal halves are: <see cref="Kernels.HalfSubnormals"/>). Set once, by whichever call gets
    /// there first; it lives as long as the view.
    /// </summary>
    internal object? KernelCache;

    /// <summary>Describes the tensor as <c>name type [dims]</c>.</summary>
    public override string ToString() => $"{Name} {TensorTypeInfo.Name(Type)} {Shape}";
}
