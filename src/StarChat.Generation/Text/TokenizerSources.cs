using System.Text;
using StarChat.Formats;
using StarChat.Formats.Tokenizers;
using StarChat.Text.Chat;
using StarChat.Text.Tokenization;

namespace StarChat.Generation.Text;

/// <summary>Builds the tokenizer from whatever a model file carries: Hugging Face files, GGUF metadata or a legacy GGML vocabulary.</summary>
public static class TokenizerSources
{
    /// <summary>Known control-token spellings of StarCoder-family vocabularies, for files that do not flag them (legacy GGML).</summary>
    private static readonly HashSet<string> s_knownSpecial =
    [
        "<|endoftext|>", "<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<fim_pad>", "<filename>", "<gh_stars>",
        "<issue_start>", "<issue_comment>", "<issue_closed>", "<jupyter_start>", "<jupyter_text>", "<jupyter_code>",
        "<jupyter_output>", "<empty_output>", "<commit_before>", "<commit_msg>", "<commit_after>", "<reponame>",
        "<|system|>", "<|user|>", "<|assistant|>", "<|end|>",
    ];

    /// <summary>The tokenizer described by <paramref name="source"/>.</summary>
    /// <exception cref="TokenizerFormatException">The metadata describes a tokenizer this project does not implement, or is inconsistent.</exception>
    public static ModelTokenizer Create(TokenizerSource source, string origin) => source switch
    {
        HuggingFaceTokenizerFiles hf => ModelTokenizer.Load(hf.Folder),
        GgufTokenizerData gguf => FromGguf(gguf, origin),
        GgmlVocabulary ggml => FromGgml(ggml, origin),
        _ => throw new TokenizerFormatException(origin, "tokenizer", $"unsupported tokenizer source {source.GetType().Name}"),
    };

    /// <summary>GGUF <c>tokenizer.ggml.*</c>: byte-level tokens, token types (3 control, 4 user-defined) and merges.</summary>
    public static ModelTokenizer FromGguf(GgufTokenizerData data, string origin)
    {
        if (data.Model != "gpt2")
            throw new TokenizerFormatException(origin, "tokenizer.ggml.model", $"'{data.Model}' is not supported (byte-level BPE 'gpt2' is)");
        var kind = data.Pre switch
        {
            null or "starcoder" or "refact" or "starcoder2" => PreTokenizerKind.StarCoder,
            "gpt-2" or "gpt2" or "default" => PreTokenizerKind.Gpt2,
            _ => throw new TokenizerFormatException(origin, "tokenizer.ggml.pre", $"pre-tokenizer '{data.Pre}' is not supported (starcoder, refact, gpt-2)"),
        };
        var tokens = new string?[data.Tokens.Count];
        var added = new List<AddedToken>();
        for (int id = 0; id < tokens.Length; id++)
        {
            int type = data.TokenTypes is { } types && id < types.Count ? types[id] : 1;
            string text = data.Tokens[id];
            switch (type)
            {
                case 2 or 3:
                    added.Add(new AddedToken(id, text, Special: true));
                    break;
                case 4:
                    added.Add(new AddedToken(id, text, Special: false));
                    break;
                default:
                    tokens[id] = text;
                    break;
            }
        }
        // Split when the tokenizer is built, a line at a time, and only into strings when someone reads them as pairs.
        var merges = data.Merges is PackedStringCollection packed
            ? new MergeLines(origin, "tokenizer.ggml.merges", packed.Count, packed.Bytes)
            : new MergeLines(origin, "tokenizer.ggml.merges", data.Merges.Count, i => Encoding.UTF8.GetBytes(data.Merges[i]));
        var definition = new TokenizerDefinition
        {
            Origin = origin,
            Tokens = tokens,
            Merges = merges,
            AddedTokens = added,
            PreTokenizer = kind,
            BosTokenId = data.BosTokenId,
            EosTokenId = data.EosTokenId,
            PadTokenId = data.PaddingTokenId,
        };
        var config = new TokenizerConfig
        {
            BosToken = Text(data.Tokens, data.BosTokenId),
            EosToken = Text(data.Tokens, data.EosTokenId),
            UnkToken = Text(data.Tokens, data.UnknownTokenId),
            PadToken = Text(data.Tokens, data.PaddingTokenId),
            ChatTemplate = data.ChatTemplate,
        };
        return new ModelTokenizer(ByteLevelBpeTokenizer.Create(definition), config, null, origin);
    }

    /// <summary>
    /// A legacy GGML vocabulary (raw bytes per token, no merges): known StarCoder/StarChat control tokens become added
    /// tokens and the merges are recovered from the vocabulary order (<see cref="MergeReconstruction"/>).
    /// </summary>
    public static ModelTokenizer FromGgml(GgmlVocabulary vocabulary, string origin)
    {
        var tokens = new string?[vocabulary.Tokens.Count];
        var added = new List<AddedToken>();
        var skip = new HashSet<int>();
        for (int id = 0; id < tokens.Length; id++)
        {
            var bytes = vocabulary.Tokens.Bytes(id);
            string literal = Encoding.UTF8.GetString(bytes);
            if (s_knownSpecial.Contains(literal) && Encoding.UTF8.GetByteCount(literal) == bytes.Length)
            {
                added.Add(new AddedToken(id, literal, Special: true));
                skip.Add(id);
            }
            else
            {
                tokens[id] = ByteLevelAlphabet.Encode(bytes);
            }
        }
        var merges = MergeReconstruction.FromVocabulary(tokens, skip, origin);
        int? eos = added.FirstOrDefault(t => t.Content == "<|endoftext|>")?.Id;
        var definition = new TokenizerDefinition
        {
            Origin = origin,
            Tokens = tokens,
            Merges = merges,
            AddedTokens = added,
            PreTokenizer = PreTokenizerKind.StarCoder,
            BosTokenId = eos,
            EosTokenId = eos,
        };
        var config = new TokenizerConfig { BosToken = "<|endoftext|>", EosToken = "<|endoftext|>" };
        var dialogue = added.Any(t => t.Content == "<|assistant|>") ? DialogueTemplate.StarChat : null;
        return new ModelTokenizer(ByteLevelBpeTokenizer.Create(definition), config, dialogue, origin);
    }

    private static string? Text(IReadOnlyList<string> tokens, int? id) => id is { } i && i >= 0 && i < tokens.Count ? tokens[i] : null;
}
