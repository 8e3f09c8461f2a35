using StarChat.Testing;
using StarChat.Text.Tokenization;

namespace StarChat.Text.Tests.Tokenization;

/// <summary>Tokenizers built once from the shared reference files.</summary>
internal static class TestTokenizers
{
    private static readonly Lazy<ByteLevelBpeTokenizer> s_starCoder = new(() =>
        ByteLevelBpeTokenizer.Create(TokenizerJsonReader.Read(SharedPaths.Data("tokenizer", "starcoder", "reconstructed", "tokenizer.json"))));

    private static readonly Lazy<ByteLevelBpeTokenizer> s_starChat = new(() =>
        ByteLevelBpeTokenizer.Create(TokenizerFiles.Load(SharedPaths.Fixtures("tiny-starchat")).Definition));

    /// <summary>Base StarCoder: 49152 tokens, 19 specials (the tokenizer the HF vectors were made with).</summary>
    public static ByteLevelBpeTokenizer StarCoder => s_starCoder.Value;

    /// <summary>StarChat: StarCoder plus the four chat tokens 49152..49155, from the tiny-starchat fixture folder.</summary>
    public static ByteLevelBpeTokenizer StarChat => s_starChat.Value;
}
