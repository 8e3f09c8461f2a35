using StarChat.Formats.Ggml;
using StarChat.Formats.Gguf;
using StarChat.Formats.HuggingFace;
using StarChat.Formats.IO;
using StarChat.Formats.PyTorch;

namespace StarChat.Formats;

/// <summary>
/// The entry point for model files: <see cref="Open(string)"/> takes a Hugging Face folder, a <c>.safetensors</c> file, a
/// <c>.bin</c> (PyTorch zip or legacy GGML, told apart by magic) or a <c>.gguf</c> file, and returns one
/// <see cref="LoadedModel"/>. Files are memory-mapped; opening reads headers only (and, for legacy GGML, compares
/// lm_head with wte), so it takes milliseconds however large the tensors are.
/// </summary>
public static class ModelFile
{
    /// <summary>Opens a model file or folder.</summary>
    /// <exception cref="FileNotFoundException">Nothing exists at <paramref name="path"/>.</exception>
    /// <exception cref="UnsafePickleException">A PyTorch pickle asks for a global a state dict never needs.</exception>
    /// <exception cref="ModelFormatException">The file is malformed, hostile, truncated or of an unsupported kind.</exception>
    public static LoadedModel Open(string path)
    {
        if (Directory.Exists(path))
            return HfModelReader.OpenFolder(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no such file or folder", path);
        var format = Detect(path);
        return format switch
        {
            ModelFormat.Gguf => GgufModelReader.Load(ByteSource.OpenFile(path)),
            ModelFormat.GgmlLegacy => GgmlModelReader.Load(ByteSource.OpenFile(path)),
            _ => HfModelReader.OpenFile(path, format),
        };
    }

    /// <summary>The format of a file, from its first bytes.</summary>
    /// <exception cref="ModelFormatException">The bytes match no supported format.</exception>
    public static ModelFormat Detect(string path)
    {
        Span<byte> head = stackalloc byte[9];
        int n;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete))
            n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return Detect(path, head[..n]);
    }

    /// <summary>Opens a single file held in a byte source (tests and fuzzing; no folder context).</summary>
    internal static LoadedModel Open(ByteSource source)
    {
        var format = Detect(source.Origin, source.Span(0, (int)Math.Min(9, source.Length)));
        return format switch
        {
            ModelFormat.Gguf => GgufModelReader.Load(source),
            ModelFormat.GgmlLegacy => GgmlModelReader.Load(source),
            _ => HfModelReader.LoadFile(source, format),
        };
    }

    private static ModelFormat Detect(string origin, ReadOnlySpan<byte> head)
    {
        if (head is [0x47, 0x47, 0x55, 0x46, ..])
            return ModelFormat.Gguf;
        if (GgmlLegacyFile.HasMagic(head))
            return ModelFormat.GgmlLegacy;
        if (PyTorchCheckpoint.HasZipMagic(head))
            return ModelFormat.PyTorch;
        if (head.Length == 9 && head[8] == (byte)'{')
            return ModelFormat.Safetensors;
        if (head.Length >= 4 && GgmlLegacyFile.ForeignMagic(System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(head)) is { } foreign)
            throw new ModelFormatException(origin, "magic", foreign, 0);
        if (head is [0x80, 0x02, ..])
            throw new ModelFormatException(origin, "magic", "legacy (pre-1.6) PyTorch serialization is not supported; re-save with torch ≥ 1.6", 0);
        throw new ModelFormatException(origin, "magic", head.Length < 9
            ? $"file of {head.Length} bytes is too short to be a model file"
            : "not a GGUF, legacy GGML, PyTorch zip or safetensors file", 0);
    }
}
