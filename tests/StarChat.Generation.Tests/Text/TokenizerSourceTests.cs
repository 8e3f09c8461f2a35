using StarChat.Formats;
using StarChat.Formats.Gguf;
using StarChat.Formats.Tokenizers;
using StarChat.Generation.Text;
using StarChat.Testing;
using StarChat.Text.Tokenization;

namespace StarChat.Generation.Tests.Text;

/// <summary>The same tokenizer, whatever file it comes from: tokenizer.json, GGUF metadata, a legacy GGML vocabulary.</summary>
public class TokenizerSourceTests
{
    private static readonly Lazy<ByteLevelBpeTokenizer> s_reference = new(() => ModelTokenizer.Load(SharedPaths.Fixtures("tiny-starchat")).Tokenizer);

    private static readonly string[] s_texts =
    [
        "def print_hello_world():\n    print('Hello')", "<|system|>\n<|end|>\n<|user|>\nHi 😀<|end|>\n<|assistant|>",
        "<fim_prefix>def f(x):\n    <fim_suffix>\n    return y<fim_middle>", "x = 12345 naïve 日本語 \t\r\n",
        "public static void Main(string[] args) { Console.WriteLine(\"Hi\"); }",
    ];

    public static TheoryData<string> ModelFiles() =>
    [
        "gguf/tiny-starchat.f16.gguf", "gguf/tiny-starchat.q4_0.gguf", "gguf/small-starchat.q2_k.gguf",
        "ggml/tiny-starchat.ggmlv3.q4_0.bin", "ggml/tiny-starchat.ggmlv3.f16.bin",
        "tiny-starchat-bf16", "tiny-starchat-f16-bin",
    ];

    [Theory]
    [MemberData(nameof(ModelFiles))]
    public void Load_AnyFixtureFormat_TokenizesLikeTokenizerJson(string relative)
    {
        var tokenizer = ModelTokenizer.Load(SharedPaths.Fixtures(relative.Split('/'))).Tokenizer;
        Assert.Equal(s_reference.Value.VocabSize, tokenizer.VocabSize);
        foreach (var text in s_texts)
            Assert.Equal(s_reference.Value.Encode(text), tokenizer.Encode(text));
        Assert.Equal(s_reference.Value.Encode("<|end|>", parseSpecialTokens: false), tokenizer.Encode("<|end|>", parseSpecialTokens: false));
    }

    [Fact]
    public void MergeReconstruction_StarCoderVocabulary_RecoversEveryMergeExactly()
    {
        using var gguf = GgufFile.Open(SharedPaths.Data("tokenizer", "starcoder", "ggml-vocab-starcoder.gguf"));
        var data = GgufTokenizerData.FromMetadata("starcoder", gguf.Metadata)!;
        var tokens = data.Tokens.Select((t, id) => data.TokenTypes![id] == 3 ? null : t).ToArray();
        var skip = Enumerable.Range(0, tokens.Length).Where(id => tokens[id] is null).ToHashSet();
        var merges = MergeReconstruction.FromVocabulary(tokens, skip, "starcoder");
        Assert.Equal(48891, data.Merges.Count);
        Assert.Equal(data.Merges, merges.Select(m => $"{m.Left} {m.Right}"));
    }

    [Fact]
    public void FromGguf_StarCoderVocabulary_ReadsBackEveryMergeLine()
    {
        using var gguf = GgufFile.Open(SharedPaths.Data("tokenizer", "starcoder", "ggml-vocab-starcoder.gguf"));
        var data = GgufTokenizerData.FromMetadata("starcoder", gguf.Metadata)!;
        var definition = TokenizerSources.FromGguf(data, "starcoder").Tokenizer.Definition;
        Assert.Equal(data.Merges, definition.Merges.Select(m => $"{m.Left} {m.Right}"));
        Assert.Equal(data.Merges.Count, TokenizerSources.FromGguf(data, "starcoder").Tokenizer.MergeCount);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FromGguf_MalformedMergeLine_ThrowsNamingIt(bool packed)
    {
        string[] merges = ["a b", "ab"];
        var data = new GgufTokenizerData
        {
            Model = "gpt2",
            Tokens = ["a", "b", "ab"],
            Merges = packed ? new PackedStringCollection(merges) : merges,
        };
        var e = Assert.Throws<TokenizerFormatException>(() => TokenizerSources.FromGguf(data, "bad.gguf"));
        Assert.Equal("tokenizer.ggml.merges[1]", e.Field);
        Assert.StartsWith("bad.gguf: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StarCoder2Gguf_All46LlamaCppVectors_Match()
    {
        var tokenizer = ModelTokenizer.Load(SharedPaths.Data("tokenizer", "starcoder2", "ggml-vocab-starcoder2.gguf")).Tokenizer;
        string[] inputs = File.ReadAllText(SharedPaths.Data("tokenizer", "starcoder2", "ggml-vocab-starcoder2.gguf.inp"))
            .Split("\n__ggml_vocab_test__\n");
        string[] outputs = File.ReadAllLines(SharedPaths.Data("tokenizer", "starcoder2", "ggml-vocab-starcoder2.gguf.out"));
        // The .inp file ends with a separator after the last case.
        if (inputs[^1].Length == 0 || inputs[^1] == "\n") inputs = inputs[..^1];
        Assert.Equal(46, outputs.Length);
        Assert.Equal(outputs.Length, inputs.Length);
        for (int i = 0; i < inputs.Length; i++)
        {
            int[] expected = outputs[i].Trim().Length == 0 ? [] : [.. outputs[i].Trim().Split(' ').Select(int.Parse)];
            Assert.True(expected.AsSpan().SequenceEqual(tokenizer.Encode(inputs[i])), $"case {i}: {inputs[i]}");
        }
    }
}
