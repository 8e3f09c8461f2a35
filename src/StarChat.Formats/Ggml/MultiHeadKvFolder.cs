using StarChat.Engine.Tensors;
using StarChat.Formats.IO;

namespace StarChat.Formats.Ggml;

/// <summary>
/// Undoes the legacy converter's expansion of multi-query attention (formats.md §8.4): its fused c_attn holds Q
/// (D rows), then the single K head tiled n_head times, then V tiled likewise — 3·D rows instead of D + 2·d. Rows are
/// quantized independently, so the copies are byte-identical; folding keeps the first copy of each and checks that
/// every other copy equals it (if not, the file is a real multi-head model, which this format cannot mark, and is refused).
/// The folded tensor is written into native memory owned by the weight source.
/// </summary>
internal static class MultiHeadKvFolder
{
    /// <summary>
    /// Folds <paramref name="tiled"/> (rows: D of Q, H·d of K, H·d of V; a 1-D bias counts as rows of one element)
    /// into D + 2·d rows.
    /// </summary>
    /// <exception cref="ModelFormatException">The K or V copies differ.</exception>
    public static TensorView Fold(string origin, string name, TensorView tiled, int embd, int heads, ModelWeights owner)
    {
        int headDim = embd / heads;
        bool isBias = tiled.Shape.Rank == 1;
        long rowBytes = isBias ? TensorTypeInfo.BlockBytes(tiled.Type) : tiled.RowBytes;
        var foldedShape = isBias ? new TensorShape(embd + 2L * headDim) : new TensorShape(embd + 2L * headDim, tiled.Shape[1]);
        var buffer = owner.Allocate((embd + 2L * headDim) * rowBytes);

        CopyRows(tiled, 0, buffer, 0, embd, rowBytes);
        for (int part = 0; part < 2; part++) // 0: K, 1: V
        {
            long tiledStart = embd + (long)part * embd;
            long foldedStart = embd + (long)part * headDim;
            CopyRows(tiled, tiledStart, buffer, foldedStart, headDim, rowBytes);
            var first = Rows(tiled, tiledStart, headDim, rowBytes);
            for (int copy = 1; copy < heads; copy++)
            {
                if (!Rows(tiled, tiledStart + (long)copy * headDim, headDim, rowBytes).SequenceEqual(first))
                    throw new ModelFormatException(origin, $"tensor '{name}'",
                        $"{(part == 0 ? "K" : "V")} head copy {copy} differs from copy 0: this is a multi-head model, not the tiled "
                        + "multi-query layout the starcoder converter writes; not supported");
            }
        }
        return new TensorView(tiled.Name, tiled.Type, foldedShape, buffer.Address, buffer.Length);
    }

    private static void CopyRows(TensorView from, long fromRow, NativeBuffer to, long toRow, long rows, long rowBytes)
        => Rows(from, fromRow, rows, rowBytes).CopyTo(to.Slice(toRow * rowBytes, checked((int)(rows * rowBytes))));

    private static ReadOnlySpan<byte> Rows(TensorView view, long firstRow, long rows, long rowBytes)
        => RawMemory.Span(view.Address + (nint)(firstRow * rowBytes), checked((int)(rows * rowBytes)));
}
