using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Generation.Conversion;

/// <summary>
/// Streams a tensor into a file in another type: rows are dequantized to f32 and quantized again with the reference
/// quantizers (bit-exact with ggml's), chunk by chunk on several threads, so memory stays at one chunk whatever the
/// tensor's size. Same type: the bytes are copied.
/// </summary>
internal static class TensorTranscoder
{
    private const long ChunkBytes = 8 << 20;

    public static void Write(TensorView source, TensorType target, Stream output, int threads)
    {
        long rows = source.Shape.RowCount, rowLength = source.Shape.RowLength;
        if (source.Type == target)
        {
            for (long r = 0; r < rows; r++)
                output.Write(source.Row(r));
            return;
        }
        if (!Dequantize.IsSupported(source.Type))
            throw new NotSupportedException($"{source.Name}: cannot read {TensorTypeInfo.Name(source.Type)} values");
        if (!Quantize.IsSupported(target))
            throw new NotSupportedException($"{source.Name}: cannot write {TensorTypeInfo.Name(target)}");
        long outRow = TensorTypeInfo.ByteCount(target, rowLength);
        int chunkRows = (int)Math.Clamp(ChunkBytes / Math.Max(1, outRow), 1, rows);
        var buffer = new byte[chunkRows * outRow];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) };
        for (long first = 0; first < rows; first += chunkRows)
        {
            int count = (int)Math.Min(chunkRows, rows - first);
            long start = first;
            Parallel.For(0, count, options, () => new float[rowLength], (i, _, values) =>
            {
                Dequantize.Row(source.Type, source.Row(start + i), values);
                Quantize.Row(target, values, buffer.AsSpan((int)(i * outRow), (int)outRow));
                return values;
            }, _ => { });
            output.Write(buffer, 0, (int)(count * outRow));
        }
    }
}
