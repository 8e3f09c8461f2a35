namespace StarChat.Formats.Tokenizers;

/// <summary>A special (control) token: its id, its text and, when known, its role (bos, eos, unk, pad, eot).</summary>
/// <param name="Id">Token id.</param>
/// <param name="Text">Token text.</param>
/// <param name="Roles">Roles the metadata gives it (e.g. <c>bos</c>, <c>eos</c>), possibly empty.</param>
public sealed record SpecialToken(int Id, string Text, IReadOnlyList<string> Roles);

/// <summary>What <c>starchat info</c> shows about a tokenizer, computed from metadata without building a tokenizer.</summary>
/// <param name="Source">Where the vocabulary comes from (<c>gguf</c>, <c>tokenizer.json</c>, <c>ggml vocabulary</c>).</param>
/// <param name="Model">Tokenizer model (<c>gpt2</c> / <c>BPE</c>), when stated.</param>
/// <param name="PreTokenizer">GGUF <c>tokenizer.ggml.pre</c>, when present.</param>
/// <param name="Size">Number of tokens (largest id + 1).</param>
/// <param name="MergeCount">Number of BPE merges, when the source has them.</param>
/// <param name="SpecialTokens">Control / special tokens in id order.</param>
/// <param name="HasChatTemplate">True when a Jinja chat template is stored.</param>
public sealed record TokenizerSummary(string Source, string? Model, string? PreTokenizer, int Size, int? MergeCount,
    IReadOnlyList<SpecialToken> SpecialTokens, bool HasChatTemplate);
