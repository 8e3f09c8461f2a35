using StarChat.Formats.Ggml;
using StarChat.Formats.Gguf;
using StarChat.Formats.IO;
using StarChat.Formats.PyTorch;
using StarChat.Formats.Safetensors;

namespace StarChat.Formats.Tests.Fuzz;

/// <summary>
/// Where a clean file keeps its structure (headers, length fields, directories), so that most mutations land where a
/// reader makes decisions rather than in tensor data, which no reader looks at.
/// </summary>
internal static class StructureMap
{
    public static List<(long Start, long End)> Of(string path)
    {
        long length = new FileInfo(path).Length;
        var ranges = new List<(long, long)> { (0, Math.Min(length, 4096)) };
        switch (ModelFile.Detect(path))
        {
            case ModelFormat.Gguf:
            {
                using var gguf = GgufFile.Open(path);
                ranges.Add((0, gguf.DataOffset));
                ranges.Add((Math.Max(0, gguf.DataOffset - 4096), gguf.DataOffset)); // chat template and tensor infos
                foreach (var t in gguf.Tensors)
                    ranges.Add((t.InfoOffset, t.InfoOffset + 8 + t.Name.Length + 4 + 8 * t.Shape.Rank + 12));
                break;
            }
            case ModelFormat.GgmlLegacy:
            {
                using var ggml = GgmlLegacyFile.Open(path);
                ranges.Add((0, 64));
                foreach (var t in ggml.Tensors)
                    ranges.Add((t.RecordOffset, t.DataOffset));
                break;
            }
            case ModelFormat.Safetensors:
            {
                using var st = SafetensorsFile.Open(path);
                ranges.Add((0, st.DataOffset));
                break;
            }
            case ModelFormat.PyTorch:
            {
                using var source = ByteSource.OpenFile(path);
                var entries = ZipDirectory.ReadEntries(source);
                ranges.Add((entries.Min(e => e.CentralOffset), length));
                foreach (var e in entries)
                    ranges.Add((e.LocalHeaderOffset, Math.Min(length, e.LocalHeaderOffset + 30 + e.Name.Length + 64)));
                var pickle = entries.First(e => e.Name.EndsWith("/data.pkl", StringComparison.Ordinal));
                long pickleStart = ZipDirectory.DataOffset(source, pickle);
                ranges.Add((pickleStart, pickleStart + pickle.CompressedSize));
                break;
            }
        }
        return ranges;
    }
}
