using System.Collections.Immutable;

namespace StarChat.Engine.Tensors;

/// <summary>
/// A tensor's dimensions in row-major order, outermost first (PyTorch order: a linear weight is <c>[out, in]</c>).
/// GGUF and legacy GGML list dimensions innermost first (<c>ne0</c> fastest); <see cref="FromGgml"/> reverses them.
/// The bytes are the same either way.
/// </summary>
public readonly record struct TensorShape
{
    private readonly ImmutableArray<long> _dims;

    /// <summary>Creates a shape from outermost-first dimensions.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    public TensorShape(params ReadOnlySpan<long> dims)
    {
        foreach (var d in dims)
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(dims));
        _dims = [.. dims];
    }

    /// <summary>Builds a shape from ggml's innermost-first <c>ne</c> list.</summary>
    public static TensorShape FromGgml(ReadOnlySpan<long> ne)
    {
        Span<long> dims = stackalloc long[ne.Length];
        for (int i = 0; i < ne.Length; i++)
            dims[i] = ne[ne.Length - 1 - i];
        return new TensorShape(dims);
    }

    /// <summary>Dimensions, outermost first.</summary>
    public ImmutableArray<long> Dims => _dims.IsDefault ? [] : _dims;

    /// <summary>Number of dimensions.</summary>
    public int Rank => Dims.Length;

    /// <summary>Dimension <paramref name="i"/>, outermost first.</summary>
    public long this[int i] => Dims[i];

    /// <summary>Product of all dimensions (1 for a scalar).</summary>
    /// <exception cref="OverflowException">The product does not fit in 64 bits.</exception>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Dims)
                n = checked(n * d);
            return n;
        }
    }

    /// <summary>Length of the innermost dimension: the length of one row (1 for a scalar).</summary>
    public long RowLength => Rank == 0 ? 1 : Dims[^1];

    /// <summary>Number of rows: the product of all but the innermost dimension.</summary>
    public long RowCount => Rank == 0 ? 1 : ElementCount / Math.Max(1, RowLength);

    /// <summary>The dimensions innermost first, as GGUF stores them.</summary>
    public long[] ToGgml()
    {
        var ne = new long[Rank];
        for (int i = 0; i < Rank; i++)
            ne[i] = Dims[Rank - 1 - i];
        return ne;
    }

    /// <summary>True when the dimensions equal <paramref name="dims"/>.</summary>
    public bool Is(params ReadOnlySpan<long> dims) => Dims.AsSpan().SequenceEqual(dims);

    /// <summary>Equality by dimensions.</summary>
    public bool Equals(TensorShape other) => Dims.AsSpan().SequenceEqual(other.Dims.AsSpan());

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var d in Dims)
            hash.Add(d);
        return hash.ToHashCode();
    }

    /// <summary>Formats as <c>[a, b]</c>.</summary>
    public override string ToString() => $"[{string.Join(", ", Dims)}]";
}
