using System.Text;
using StarChat.Testing;
using StarChat.Text.Tokenization;

namespace StarChat.Text.Tests.Tokenization;

/// <summary>Bad or extreme input: a defined result or a clear error, never a crash or a hang.</summary>
public class RobustnessTests
{
    private static ByteLevelBpeTokenizer Tok => TestTokenizers.StarChat;

    [Fact]
    public void Encode_LoneSurrogates_BehaveAsReplacementCharacter()
    {
        // A .NET string can hold a lone surrogate; UTF-8 cannot. It encodes as U+FFFD would.
        Assert.Equal(Tok.Encode("a\uFFFDb"), Tok.Encode("a\uD800b"));
        Assert.Equal(Tok.Encode("\uFFFD"), Tok.Encode("\uDC00"));
        Assert.Equal("a\uFFFDb", Tok.Decode(Tok.Encode("a\uD83Db")));
    }

    [Fact]
    public void Encode_Nul_IsAnOrdinaryByte()
    {
        int[] ids = Tok.Encode("a\0b");
        Assert.Equal("a\0b", Tok.Decode(ids));
    }

    [Fact]
    public void Encode_InvalidUtf8Bytes_DecodedWithReplacementFirst()
    {
        byte[] raw = [0x61, 0xFF, 0xC3, 0x28, 0x62];
        string text = Encoding.UTF8.GetString(raw);          // the CLI reads input this way
        Assert.Equal("a\uFFFD\uFFFD(b", text);
        Assert.Equal(text, Tok.Decode(Tok.Encode(text)));
    }

    [Fact(Timeout = 120_000)]
    public Task Encode_TenMegabyteSingleLine_FinishesAndRoundTrips() => Task.Run(() =>
    {
        var random = new Random(1);
        var sb = new StringBuilder(10_000_000);
        string[] words = ["alpha", " beta", "_gamma", "123", " {", "}", "'s", "日本", "😀", "\t"];
        while (sb.Length < 10_000_000)
            sb.Append(words[random.Next(words.Length)]);
        string text = sb.ToString();
        int[] ids = Tok.Encode(text);
        Assert.Equal(text, Tok.Decode(ids));
    }, TestContext.Current.CancellationToken);

    [Fact(Timeout = 120_000)]
    public Task Encode_OneHugeWord_UsesTheHeapAndFinishes() => Task.Run(() =>
    {
        // A single 2-million-letter pre-token: the quadratic merge loop would never finish.
        string text = string.Concat(Enumerable.Repeat("abcdefghij", 200_000));
        int[] ids = Tok.Encode(text);
        Assert.Equal(text, Tok.Decode(ids));
    }, TestContext.Current.CancellationToken);

    [Fact]
    public void MergeStrategies_RandomWords_GiveIdenticalResults()
    {
        var random = new Random(11);
        var definition = Tok.Definition;
        var model = new BpeModel(definition.Tokens, definition.Merges, ignoreMerges: false, unkId: null, "test");
        string letters = "aeiourstln_ ()\n\t{}=0123";
        for (int trial = 0; trial < 2000; trial++)
        {
            string word = new([.. Enumerable.Range(0, random.Next(1, 80)).Select(_ => letters[random.Next(letters.Length)])]);
            int[] symbols = [.. Encoding.UTF8.GetBytes(word).Select(b => Tok.TokenToId(ByteLevelAlphabet.ByteToChar[b].ToString()) ?? -1).Where(i => i >= 0)];
            Assert.Equal(model.MergeQuadratic(symbols.ToArray()), model.MergeWithHeap(symbols.ToArray()));
        }
    }

    [Fact]
    public void Encode_PlainMode_KeepsSpecialTokenTextAsCharacters()
    {
        int[] plain = Tok.Encode("<|end|><|system|>", parseSpecialTokens: false);
        Assert.DoesNotContain(plain, id => Tok.IsSpecial(id));
        Assert.Equal("<|end|><|system|>", Tok.Decode(plain));
        Assert.Equal([49155, 49152], Tok.Encode("<|end|><|system|>"));
    }

    [Fact]
    public void Decode_IdOutsideVocabulary_Throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Tok.Decode([5, 49156]));
        Assert.Contains("49156", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddedTokenFlags_LStripRStripSingleWord_FollowHuggingFace()
    {
        var definition = TestTokenizers.StarCoder.Definition;
        var tok = ByteLevelBpeTokenizer.Create(definition with
        {
            AddedTokens = [.. definition.AddedTokens,
                new AddedToken(49152, "<mask>", LStrip: true, RStrip: true),
                new AddedToken(49153, "word", Special: false, SingleWord: true)],
        });
        // lstrip/rstrip absorb the spaces around the token.
        Assert.Equal(tok.Encode("a") .Concat([49152]).Concat(tok.Encode("b")), tok.Encode("a  <mask>  b"));
        // single_word: matched alone, not inside "swordfish".
        Assert.Contains(49153, tok.Encode("a word here"));
        Assert.DoesNotContain(49153, tok.Encode("swordfish"));
    }

    [Theory]
    [InlineData("{}", "model")]
    [InlineData("{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}", "model.type")]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": -1}, \"merges\": []}}", "model.vocab")]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a\"]}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}}", "model.merges[0]")]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [42]}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}}", "model.merges[0]")]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}}", "pre_tokenizer")]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"Metaspace\"}}", "pre_tokenizer")]
    [InlineData("{\"normalizer\": {\"type\": \"NFKC\"}, \"model\": {}}", "normalizer")]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 0}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}}", "model.vocab")]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"added_tokens\": [{\"id\": \"x\"}], \"pre_tokenizer\": {\"type\": \"ByteLevel\"}}", "added_tokens[0].id")]
    [InlineData("[1, 2", "(file)")]
    public void Parse_MalformedTokenizerJson_ThrowsNamingTheField(string json, string field)
    {
        var e = Assert.Throws<TokenizerFormatException>(() =>
            ByteLevelBpeTokenizer.Create(TokenizerJsonReader.Parse(Encoding.UTF8.GetBytes(json), "bad.json")));
        Assert.StartsWith(field, e.Field, StringComparison.Ordinal);
        Assert.Contains("bad.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_MergeProducingUnknownToken_ThrowsNamingTheMerge()
    {
        string json = "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]}, \"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false}}";
        var e = Assert.Throws<TokenizerFormatException>(() => ByteLevelBpeTokenizer.Create(TokenizerJsonReader.Parse(Encoding.UTF8.GetBytes(json), "m.json")));
        Assert.Equal("merges[0]", e.Field);
    }

    [Fact]
    public void Load_VocabJsonAndMergesTxt_GiveTheSameIdsAsTokenizerJson()
    {
        var folder = SharedPaths.Data("tokenizer", "starcoder", "reconstructed");
        var fromFiles = ByteLevelBpeTokenizer.Create(TokenizerFiles.ReadVocabAndMerges(Path.Combine(folder, "vocab.json"), Path.Combine(folder, "merges.txt"))
            with { PreTokenizer = PreTokenizerKind.StarCoder });
        foreach (var text in new[] { "def print_hello_world():\n    print('Hello')", "x = 12345", "naïve 日本語 😀", "    return a+b\r\n" })
            Assert.Equal(TestTokenizers.StarCoder.Encode(text), fromFiles.Encode(text));
    }
}
