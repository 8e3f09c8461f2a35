using StarChat.Engine.Tensors;
using StarChat.Formats.IO;

namespace StarChat.Formats.Ggml;

/// <summary>
/// A legacy (pre-GGUF) GGML file as written by ggml's starcoder example and published for StarChat beta
/// (<c>starchat-beta.ggmlv3.q4_0.bin</c>), memory-mapped: header, raw-byte vocabulary and tensor records
/// (formats.md §8). Only quantization version 2 is read for quantized tensors; older versions used other block
/// layouts and are refused with a message saying so.
/// </summary>
public sealed class GgmlLegacyFile : IDisposable
{
    /// <summary>"ggml" as a little-endian u32 (bytes <c>6c 6d 67 67</c>).</summary>
    public const uint Magic = 0x67676d6c;

    /// <summary>ggml's current quantization format version (GGML_QNT_VERSION).</summary>
    public const int SupportedQuantizationVersion = 2;

    private const int MaxTokenBytes = 1 << 20;
    private const int MaxNameBytes = 1024;

    private readonly ByteSource _source;
    private readonly bool _ownsSource;

    private GgmlLegacyFile(ByteSource source, bool ownsSource, GgmlHyperParameters hparams, string fileTypeName,
        PackedStringCollection vocabulary, List<GgmlTensorInfo> tensors)
    {
        _source = source;
        _ownsSource = ownsSource;
        HyperParameters = hparams;
        FileTypeName = fileTypeName;
        Vocabulary = vocabulary;
        Tensors = tensors;
    }

    /// <summary>The path the file was opened from.</summary>
    public string Origin => _source.Origin;

    /// <summary>The header.</summary>
    public GgmlHyperParameters HyperParameters { get; }

    /// <summary>ggml's name of the header's file type (e.g. <c>MOSTLY_Q4_0</c>).</summary>
    public string FileTypeName { get; }

    /// <summary>Each token's raw bytes, by id (<see cref="PackedStringCollection.Bytes"/>): the byte-level BPE strings mapped back to bytes; no merges.</summary>
    public PackedStringCollection Vocabulary { get; }

    /// <summary>Tensor records in file order.</summary>
    public IReadOnlyList<GgmlTensorInfo> Tensors { get; }

    internal ByteSource Source => _source;

    /// <summary>True when <paramref name="bytes"/> start with the legacy GGML magic.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> bytes) => bytes is [0x6c, 0x6d, 0x67, 0x67, ..];

    /// <summary>What a file with another 2023 llama.cpp-family magic is, or null.</summary>
    internal static string? ForeignMagic(uint magic) => magic switch
    {
        0x67676a74 => "a GGJT (llama.cpp, 2023) LLaMA file, not a starcoder GGML file",
        0x67676d66 => "a GGMF (llama.cpp, 2023) LLaMA file, not a starcoder GGML file",
        0x67676c61 => "a GGLA (llama.cpp LoRA adapter) file, not a starcoder GGML file",
        _ => null,
    };

    /// <summary>Maps and validates a legacy GGML starcoder file.</summary>
    /// <exception cref="ModelFormatException">The file is malformed or uses an unsupported quantization version.</exception>
    public static GgmlLegacyFile Open(string path)
    {
        var source = ByteSource.OpenFile(path);
        try
        {
            return Open(source, ownsSource: true);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    internal static GgmlLegacyFile Open(ByteSource source, bool ownsSource)
    {
        var r = new ByteReader(source);
        uint magic = source.Length >= 4 ? r.U32("magic") : 0;
        if (magic != Magic)
            throw new ModelFormatException(source.Origin, "magic", ForeignMagic(magic) ?? "not a legacy GGML file (expected magic 0x67676d6c)", 0);
        var hparams = new GgmlHyperParameters(
            Positive(r, "n_vocab"), Positive(r, "n_ctx"), Positive(r, "n_embd"), Positive(r, "n_head"), Positive(r, "n_layer"),
            r.I32("ftype"));
        if (hparams.EmbeddingSize % hparams.HeadCount != 0)
            throw r.Error("n_head", $"{hparams.HeadCount} does not divide n_embd {hparams.EmbeddingSize}", 16);
        string fileTypeName = CheckFileType(r, hparams);
        int vocabAgain = r.I32("n_vocab (vocabulary)");
        if (vocabAgain != hparams.VocabSize)
            throw r.Error("n_vocab (vocabulary)", $"{vocabAgain} differs from the header's {hparams.VocabSize}", 28);
        // Every token takes at least its 4-byte length.
        if (hparams.VocabSize > r.Remaining / 4)
            throw r.Error("n_vocab", $"{hparams.VocabSize} tokens cannot fit in the {r.Remaining} bytes left", 4);

        var vocabulary = PackedStringReader.Read(r, hparams.VocabSize, 4, MaxTokenBytes, "vocabulary");

        var tensors = new List<GgmlTensorInfo>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (r.Remaining > 0)
            tensors.Add(ReadTensor(r, hparams, tensors.Count, names));
        return new GgmlLegacyFile(source, ownsSource, hparams, fileTypeName, vocabulary, tensors);
    }

    /// <summary>A zero-copy view of the tensor's bytes, named as in the file.</summary>
    public TensorView View(GgmlTensorInfo info) => View(info, info.Name);

    internal TensorView View(GgmlTensorInfo info, string name)
        => new(name, info.Type, info.Shape, _source.Address(info.DataOffset), info.ByteLength);

    /// <summary>Releases the mapped file.</summary>
    public void Dispose()
    {
        if (_ownsSource)
            _source.Dispose();
    }

    private static string CheckFileType(ByteReader r, GgmlHyperParameters h)
    {
        if (h.FileTypeRaw < 0)
            throw r.Error("ftype", $"{h.FileTypeRaw} is negative", 24);
        if (GgmlFileType.Name(h.FileType, out string? refusal) is not { } name)
            throw r.Error("ftype", $"{h.FileTypeRaw}: {refusal}", 24);
        if (h.QuantizationVersion > SupportedQuantizationVersion)
            throw r.Error("ftype", $"{h.FileTypeRaw}: quantization version {h.QuantizationVersion} is newer than any ggml release (the last is {SupportedQuantizationVersion})", 24);
        if (h.FileType >= 2 && h.QuantizationVersion != SupportedQuantizationVersion)
            throw r.Error("ftype", QuantizationVersionRefusal(h.FileTypeRaw, h.QuantizationVersion), 24);
        return name;
    }

    private static string QuantizationVersionRefusal(int ftypeRaw, int version)
        => $"{ftypeRaw}: quantization version {version} (ggml before 2023-05-20) stored Q4/Q5/Q8 blocks in an older layout "
           + $"(f32 scales, other element order) that this reader does not decode; only version {SupportedQuantizationVersion} "
           + "(the *.ggmlv3.* files) is read. Re-quantize from an f16 file with a newer ggml";

    private static GgmlTensorInfo ReadTensor(ByteReader r, GgmlHyperParameters h, int index, HashSet<string> names)
    {
        long at = r.Position;
        string field = $"tensor record {index}";
        int nDims = r.I32(field + " n_dims");
        int nameLength = r.I32(field + " name length");
        uint typeId = (uint)r.I32(field + " type");
        if (nDims is < 1 or > 4)
            throw r.Error(field, $"n_dims {nDims} is not 1 to 4", at);
        if (nameLength is < 1 or > MaxNameBytes)
            throw r.Error(field, $"name length {nameLength} is not 1 to {MaxNameBytes}", at + 4);
        Span<long> ne = stackalloc long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++)
        {
            ne[d] = r.I32(field + " ne");
            if (ne[d] < 1)
                throw r.Error(field, $"dimension {d} is {ne[d]}", r.Position - 4);
            elements *= ne[d]; // at most 4 factors below 2^31: no overflow
        }
        string name = r.Utf8(nameLength, field + " name");
        field = $"tensor '{name}'";
        if (!names.Add(name))
            throw r.Error(field, "duplicate tensor name", at);
        if (!GgmlTypeIds.TryGetSupported(typeId, out var type) || !IsLegacyType(type))
            throw r.Error(field, $"{GgmlTypeIds.Refusal(typeId)} in a legacy GGML file", at + 8);
        if (TensorTypeInfo.IsQuantized(type) && h.QuantizationVersion != SupportedQuantizationVersion)
            throw r.Error(field, QuantizationVersionRefusal(h.FileTypeRaw, h.QuantizationVersion), at + 8);
        int block = TensorTypeInfo.BlockSize(type);
        if (ne[0] % block != 0)
            throw r.Error(field, $"row length {ne[0]} is not a multiple of the {TensorTypeInfo.Name(type)} block size {block}", at + 12);
        if (!SafeMath.TryByteCount(type, elements, out long bytes))
            throw r.Error(field, "byte size overflows 64 bits", at + 12);
        long dataOffset = r.Position;
        if (bytes > r.Remaining)
            throw r.Error(field, $"{bytes} bytes of data run past the end of the file (size {r.Length})", dataOffset);
        r.Skip(bytes, field);
        return new GgmlTensorInfo(name, type, TensorShape.FromGgml(ne), dataOffset, bytes, at);
    }

    private static bool IsLegacyType(TensorType type) => type is TensorType.F32 or TensorType.F16 or TensorType.Q4_0
        or TensorType.Q4_1 or TensorType.Q5_0 or TensorType.Q5_1 or TensorType.Q8_0 or TensorType.Q2_K or TensorType.Q3_K
        or TensorType.Q4_K or TensorType.Q5_K or TensorType.Q6_K;

    private static int Positive(ByteReader r, string field)
    {
        int v = r.I32(field);
        return v > 0 ? v : throw r.Error(field, $"{v} must be positive", r.Position - 4);
    }
}
