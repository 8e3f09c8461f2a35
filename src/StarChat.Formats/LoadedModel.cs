using StarChat.Engine.Models.GptBigCode;
using StarChat.Engine.Tensors;
using StarChat.Formats.Gguf;
using StarChat.Formats.Tokenizers;

namespace StarChat.Formats;

/// <summary>
/// One model description out of any supported file or folder: format, hyper-parameters, tokenizer source, the raw
/// tensors in the file's own naming, and an <see cref="IWeightSource"/> serving them under canonical Hugging Face
/// names (<c>transformer.h.{i}.attn.c_attn.weight</c>, ...). Tensor data stays in the memory-mapped files;
/// disposing this releases them, after which no view may be used.
/// </summary>
public sealed class LoadedModel : IDisposable
{
    private readonly ModelWeights _weights;

    internal LoadedModel(string path, ModelFormat format, bool isFolder, IReadOnlyList<string> weightFiles, GptBigCodeConfig? config,
        string fileType, TokenizerSource? tokenizer, IReadOnlyList<TensorView> fileTensors, ModelWeights weights,
        GgufMetadata? ggufMetadata, IReadOnlyList<KeyValuePair<string, string>> properties, IReadOnlyList<string> notes)
    {
        Path = path;
        Format = format;
        IsFolder = isFolder;
        WeightFiles = weightFiles;
        Config = config;
        FileType = fileType;
        Tokenizer = tokenizer;
        FileTensors = fileTensors;
        _weights = weights;
        GgufMetadata = ggufMetadata;
        Properties = properties;
        Notes = notes;
    }

    /// <summary>The file or folder as the caller named it.</summary>
    public string Path { get; }

    /// <summary>The container format of the weights.</summary>
    public ModelFormat Format { get; }

    /// <summary>True when <see cref="Path"/> is a Hugging Face folder.</summary>
    public bool IsFolder { get; }

    /// <summary>The files the tensors were read from (shards in index order).</summary>
    public IReadOnlyList<string> WeightFiles { get; }

    /// <summary>
    /// Hyper-parameters, with vocabulary and context sizes taken from the embedding tensors. Null only when the
    /// tensors are not a complete GPTBigCode model (a PEFT LoRA adapter, one shard opened alone); <see cref="Notes"/> says why.
    /// </summary>
    public GptBigCodeConfig? Config { get; }

    /// <summary>What the weights are stored as: GGUF/GGML file type (e.g. <c>MOSTLY_Q4_0</c>), or the dtypes / quantization method.</summary>
    public string FileType { get; }

    /// <summary>Where the tokenizer comes from; null when the file or folder carries none.</summary>
    public TokenizerSource? Tokenizer { get; }

    /// <summary>Every tensor as stored, in the file's naming and order (legacy c_attn still tiled to multi-head).</summary>
    public IReadOnlyList<TensorView> FileTensors { get; }

    /// <summary>The tensors under canonical Hugging Face names; legacy GGML K/V heads are folded back to one multi-query head.</summary>
    public IWeightSource Weights => _weights;

    /// <summary>The GGUF key → value pairs, for GGUF files.</summary>
    public GgufMetadata? GgufMetadata { get; }

    /// <summary>Format details worth showing (GGUF version, alignment, safetensors metadata, quantization config, ...).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Properties { get; }

    /// <summary>Things the reader decided that a user may want to know (sizes taken from tensors over the config, ...).</summary>
    public IReadOnlyList<string> Notes { get; }

    internal ModelWeights WeightSource => _weights;

    /// <summary>The hyper-parameters of a complete model.</summary>
    /// <exception cref="ModelFormatException">The file is not a complete GPTBigCode model.</exception>
    public GptBigCodeConfig RequireConfig()
        => Config ?? throw new ModelFormatException(Path, "model", $"not a complete GPTBigCode model ({string.Join("; ", Notes)})");

    /// <summary>
    /// Starts bringing <paramref name="tensors"/> (those a forward pass reads whole, in its order) into memory on a
    /// background thread, so that while the caller builds the rest (tokenizer, engine) the first forward pass stops
    /// needing to fault its weights in page by page (llama.cpp maps with <c>MAP_POPULATE</c> for the same reason, but
    /// before anything else and the whole file). Skipped when they are larger than the memory available; stopped on
    /// <see cref="Dispose"/>.
    /// </summary>
    public void PrefetchWeights(IEnumerable<TensorView> tensors) => _weights.Prefetch(tensors);

    /// <summary>Releases the mapped files and owned memory.</summary>
    public void Dispose() => _weights.Dispose();
}
