using StarChat.Formats.Tokenizers;
using StarChat.Text.Tokenization;

namespace StarChat.Generation.Text;

/// <summary>A tokenizer as GGUF <c>tokenizer.ggml.*</c> metadata, the way llama.cpp's converter writes a byte-level BPE vocabulary.</summary>
public static class GgufTokenizerExport
{
    /// <summary>
    /// Tokens by id (byte-level strings; added tokens as their text), token types (3 control for special added
    /// tokens, 4 user-defined for other added tokens, 1 normal), merges as <c>"left right"</c>, special ids and the
    /// chat template. Pre-tokenizer <c>starcoder</c> (or <c>gpt-2</c>). Like <c>convert_hf_to_gguf.py</c>, no FIM ids are
    /// written: llama.cpp finds <c>&lt;fim_prefix&gt;</c> and its siblings by their text.
    /// </summary>
    public static GgufTokenizerData From(ModelTokenizer model)
    {
        var tokenizer = model.Tokenizer;
        var definition = tokenizer.Definition;
        int count = tokenizer.VocabSize;
        var tokens = new string[count];
        var types = new int[count];
        for (int id = 0; id < count; id++)
        {
            var added = tokenizer.AddedToken(id);
            tokens[id] = tokenizer.IdToToken(id) ?? $"[PAD{id}]";
            types[id] = added is null ? (tokenizer.IdToToken(id) is null ? 5 : 1) : added.Special ? 3 : 4;
        }
        return new GgufTokenizerData
        {
            Model = "gpt2",
            Pre = definition.PreTokenizer == PreTokenizerKind.StarCoder ? "starcoder" : "gpt-2",
            Tokens = tokens,
            TokenTypes = types,
            Merges = [.. definition.Merges.Select(m => $"{m.Left} {m.Right}")],
            BosTokenId = definition.BosTokenId,
            EosTokenId = definition.EosTokenId,
            UnknownTokenId = model.Config.UnkToken is { } unk ? tokenizer.TokenToId(unk) : null,
            PaddingTokenId = definition.PadTokenId,
            ChatTemplate = model.Config.ChatTemplate,
        };
    }
}
