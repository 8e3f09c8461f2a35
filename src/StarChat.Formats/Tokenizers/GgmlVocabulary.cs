using System.Text;

namespace StarChat.Formats.Tokenizers;

/// <summary>
/// The vocabulary of a legacy GGML file: each token's raw bytes by id (formats.md §8.3). It has no merges, so BPE
/// needs a tokenizer.json or a GGUF vocabulary alongside; the ggml example matched tokens greedily by length.
/// </summary>
/// <param name="Tokens">Each token by id; <see cref="PackedStringCollection.Bytes"/> gives its raw bytes.</param>
public sealed record GgmlVocabulary(PackedStringCollection Tokens) : TokenizerSource
{
    // The ggml example finds special tokens by their text; these are StarCoder's 19 and StarChat's 4 (protocols.md §1.6).
    private static readonly string[] s_knownSpecial =
    [
        "<|endoftext|>", "<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<fim_pad>", "<filename>", "<gh_stars>",
        "<issue_start>", "<issue_comment>", "<issue_closed>", "<jupyter_start>", "<jupyter_text>", "<jupyter_code>",
        "<jupyter_output>", "<empty_output>", "<commit_before>", "<commit_msg>", "<commit_after>", "<reponame>",
        "<|system|>", "<|user|>", "<|assistant|>", "<|end|>",
    ];

    /// <inheritdoc />
    public override TokenizerSummary Summarize()
    {
        var wanted = new HashSet<string>(s_knownSpecial, StringComparer.Ordinal);
        var special = new List<SpecialToken>();
        for (int id = 0; id < Tokens.Count; id++)
        {
            var bytes = Tokens.Bytes(id);
            if (bytes.Length is < 3 or > 32 || bytes[0] != (byte)'<')
                continue;
            string text = Encoding.UTF8.GetString(bytes);
            if (wanted.Remove(text))
                special.Add(new SpecialToken(id, text, text == "<|endoftext|>" ? ["bos", "eos"] : []));
        }
        return new TokenizerSummary("ggml vocabulary", null, null, Tokens.Count, null, special, false);
    }
}
