using System.Globalization;
using StarChat.Engine.Tensors;
using StarChat.Generation.Conversion;

namespace StarChat.Cli.Commands;

/// <summary>What convert and quantize print: types chosen (counted), fallbacks, notes, size and time.</summary>
internal static class ConversionReport
{
    public static void Write(CliContext context, ConversionResult result, TimeSpan elapsed)
    {
        var counts = result.Tensors.GroupBy(t => t.Type).OrderBy(g => g.Key).Select(g => $"{TensorTypeInfo.Name(g.Key)} ×{g.Count()}");
        context.Out.WriteLine($"wrote {result.Output}: {result.Tensors.Count} tensors ({string.Join(", ", counts)}), file type {result.FileType}, " +
                              $"{(result.Bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture)} MiB in {elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s");
        foreach (var f in result.Fallbacks)
            context.Out.WriteLine($"fallback: {f.Tensor}: rows do not fit {TensorTypeInfo.Name(f.Wanted)}, wrote {TensorTypeInfo.Name(f.Used)}");
        foreach (var note in result.Notes)
            context.Out.WriteLine($"note: {note}");
    }
}
