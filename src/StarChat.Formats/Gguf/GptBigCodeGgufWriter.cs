using StarChat.Engine.Models.GptBigCode;
using StarChat.Engine.Tensors;
using StarChat.Formats.Tokenizers;

namespace StarChat.Formats.Gguf;

/// <summary>One tensor to write: its GGUF name, type, shape (outermost first) and a callback that streams its bytes.</summary>
/// <param name="Name">GGUF tensor name (e.g. <c>blk.0.attn_qkv.weight</c>).</param>
/// <param name="Type">Stored type.</param>
/// <param name="Shape">Dimensions, outermost first (written innermost first, as GGUF wants).</param>
/// <param name="Write">Writes exactly the tensor's byte count.</param>
public sealed record GgufTensorSource(string Name, TensorType Type, TensorShape Shape, Action<Stream> Write);

/// <summary>
/// Writes a GPTBigCode model as a GGUF file that llama.cpp loads (architecture <c>starcoder</c>): the KV pairs in the
/// order llama.cpp's converter writes them (fixtures/README.md §2), the tokenizer, then the tensors. Writes to a
/// temporary name and renames, so a failure never leaves a half-written file behind.
/// </summary>
public static class GptBigCodeGgufWriter
{
    /// <summary>Writes the file with the converter's metadata (<see cref="Metadata"/>).</summary>
    /// <param name="path">Output path.</param>
    /// <param name="config">Hyper-parameters.</param>
    /// <param name="name"><c>general.name</c>.</param>
    /// <param name="fileType"><c>general.file_type</c> (llama.cpp's <c>llama_ftype</c>).</param>
    /// <param name="tokenizer">Tokenizer metadata; null writes none (llama.cpp will refuse such a file).</param>
    /// <param name="tensors">Tensors in file order.</param>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, GptBigCodeConfig config, string name, int fileType, GgufTokenizerData? tokenizer, IEnumerable<GgufTensorSource> tensors)
        => Write(path, Metadata(config, name, sizeLabel: null, fileType, tokenizer), tensors);

    /// <summary>Writes the given metadata pairs (in order) and tensors (in order) atomically.</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, IEnumerable<KeyValuePair<string, GgufValue>> metadata, IEnumerable<GgufTensorSource> tensors)
    {
        var writer = new GgufWriter();
        foreach (var (key, value) in metadata)
            writer.Add(key, value);
        foreach (var t in tensors)
            writer.AddTensor(t.Name, t.Type, t.Shape, t.Write);

        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        string temp = path + ".partial";
        try
        {
            writer.WriteTo(temp);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>
    /// The metadata pairs in the order <c>convert_hf_to_gguf.py</c> (class <c>StarCoderModel</c>) writes them:
    /// general, hyper-parameters, file type and quantization version, then the tokenizer.
    /// </summary>
    /// <param name="config">Hyper-parameters.</param>
    /// <param name="name"><c>general.name</c>.</param>
    /// <param name="sizeLabel"><c>general.size_label</c> (e.g. <c>15B</c>); null writes none.</param>
    /// <param name="fileType"><c>general.file_type</c>.</param>
    /// <param name="tokenizer">Tokenizer metadata; null writes none.</param>
    public static List<KeyValuePair<string, GgufValue>> Metadata(GptBigCodeConfig config, string name, string? sizeLabel, int fileType, GgufTokenizerData? tokenizer)
    {
        ArgumentNullException.ThrowIfNull(config);
        var kv = new List<KeyValuePair<string, GgufValue>>();
        void Add(string key, GgufValue value) => kv.Add(new(key, value));
        Add("general.architecture", GgufValue.Of("starcoder"));
        Add("general.type", GgufValue.Of("model"));
        Add("general.name", GgufValue.Of(name));
        if (sizeLabel is not null)
            Add("general.size_label", GgufValue.Of(sizeLabel));
        Add("starcoder.context_length", GgufValue.Of((uint)config.ContextLength));
        Add("starcoder.embedding_length", GgufValue.Of((uint)config.EmbeddingSize));
        Add("starcoder.feed_forward_length", GgufValue.Of((uint)config.FeedForwardSize));
        Add("starcoder.block_count", GgufValue.Of((uint)config.LayerCount));
        Add("starcoder.attention.head_count", GgufValue.Of((uint)config.HeadCount));
        Add("starcoder.attention.head_count_kv", GgufValue.Of((uint)config.KvHeadCount));
        Add("starcoder.attention.layer_norm_epsilon", GgufValue.Of(config.LayerNormEpsilon));
        Add("general.file_type", GgufValue.Of((uint)fileType));
        Add("general.quantization_version", GgufValue.Of(2u));
        if (tokenizer is not null)
            AddTokenizer(kv, tokenizer);
        return kv;
    }

    private static void AddTokenizer(List<KeyValuePair<string, GgufValue>> kv, GgufTokenizerData t)
    {
        void Add(string key, GgufValue value) => kv.Add(new(key, value));
        Add("tokenizer.ggml.model", GgufValue.Of(t.Model));
        if (t.Pre is not null)
            Add("tokenizer.ggml.pre", GgufValue.Of(t.Pre));
        Add("tokenizer.ggml.tokens", GgufValue.Strings(new PackedStringCollection(t.Tokens)));
        if (t.TokenTypes is not null)
            Add("tokenizer.ggml.token_type", GgufValue.Array(t.TokenTypes.ToArray()));
        if (t.Merges.Count > 0)
            Add("tokenizer.ggml.merges", GgufValue.Strings(new PackedStringCollection(t.Merges)));
        void Id(string key, int? value)
        {
            if (value is { } v) Add(key, GgufValue.Of((uint)v));
        }
        Id("tokenizer.ggml.bos_token_id", t.BosTokenId);
        Id("tokenizer.ggml.eos_token_id", t.EosTokenId);
        Id("tokenizer.ggml.unknown_token_id", t.UnknownTokenId);
        Id("tokenizer.ggml.padding_token_id", t.PaddingTokenId);
        Id("tokenizer.ggml.eot_token_id", t.EotTokenId);
        Id("tokenizer.ggml.fim_pre_token_id", t.FimPrefixTokenId);
        Id("tokenizer.ggml.fim_suf_token_id", t.FimSuffixTokenId);
        Id("tokenizer.ggml.fim_mid_token_id", t.FimMiddleTokenId);
        if (t.AddBos is { } addBos)
            Add("tokenizer.ggml.add_bos_token", GgufValue.Of(addBos));
        if (t.AddEos is { } addEos)
            Add("tokenizer.ggml.add_eos_token", GgufValue.Of(addEos));
        if (t.ChatTemplate is not null)
            Add("tokenizer.chat_template", GgufValue.Of(t.ChatTemplate));
    }
}
