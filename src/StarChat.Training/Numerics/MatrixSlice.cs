namespace StarChat.Training.Numerics;

/// <summary>
/// A row-major matrix inside an array: <c>element (r, c) = Data[Offset + r·Stride + c]</c>. Arrays rather than spans,
/// so that work split over a <see cref="Engine.Threading.WorkerPool"/> can carry it in a struct body.
/// </summary>
internal readonly record struct MatrixSlice<T>(T[] Data, int Offset, int Rows, int Columns, int Stride)
{
    /// <summary>A dense <paramref name="rows"/> × <paramref name="columns"/> matrix at the start of <paramref name="data"/>.</summary>
    public static MatrixSlice<T> Dense(T[] data, int rows, int columns) => new(data, 0, rows, columns, columns);

    /// <summary>The elements from the first one on (the rows are <see cref="Stride"/> apart).</summary>
    public ReadOnlySpan<T> ReadOnly => Data.AsSpan(Offset);

    /// <summary>Writable elements from the first one on.</summary>
    public Span<T> Writable => Data.AsSpan(Offset);

    /// <summary>Row <paramref name="r"/>.</summary>
    public Span<T> Row(int r) => Data.AsSpan(Offset + r * Stride, Columns);

    /// <summary>Rows <c>[start, start + count)</c>.</summary>
    public MatrixSlice<T> RowRange(int start, int count) => this with { Offset = Offset + start * Stride, Rows = count };

    /// <summary>Columns <c>[start, start + count)</c>.</summary>
    public MatrixSlice<T> ColumnRange(int start, int count) => this with { Offset = Offset + start, Columns = count };
}
