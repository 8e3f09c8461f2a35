using System.Text;
using StarChat.Testing;

namespace StarChat.Text.Tests.Tokenization;

/// <summary>
/// Random and adversarial strings (astral letters and digits, emoji sequences, CJK, combining marks, every kind of
/// Unicode whitespace, contractions, special-token fragments) encoded by us and by Hugging Face tokenizers.
/// </summary>
public class OracleDifferentialTests
{
    private static readonly string[] s_alphabet =
    [
        // ASCII and code
        "a", "Z", "q", "_", "0", "7", "9", " ", "  ", "(", ")", "{", "}", "<", ">", "=", ";", "'", "\"", ".", ",", "#", "/", "\\", "-", "+", "*",
        "def", "class", "return", " the", "int", "Console", "foo_bar", "x1", "1e-5",
        // contractions and near misses
        "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "''", "'x",
        // whitespace of every kind
        "\t", "\n", "\r\n", "\r", "\v", "\f", "\u001c", "\u001d", "\u001e", "\u001f", "\u0085", "\u00a0", "\u1680",
        "\u2000", "\u2005", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\u200b", "\ufeff", "\u180e",
        // letters of many scripts, marks, numbers that are not ASCII digits
        "é", "e\u0301", "ß", "ÄÖÜ", "Ω", "Жизнь", "日本語", "中文", "한국어", "مرحبا", "हिन्दी", "ไทย", "ǅ", "ʰ",
        "²", "½", "Ⅻ", "٣", "০", "𝟎", "𝟗", "𐒠",
        // astral letters and symbols
        "𝑥", "𝐀", "𠀀", "𐐀", "😀", "👍🏽", "👨‍👩‍👧", "🇩🇪", "\U0001F600", "𝄞", "\U00040000",
        // special tokens and fragments
        "<|endoftext|>", "<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<|user|>", "<|assistant|>", "<|end|>", "<|system|>",
        "<|", "|>", "<fim_", "<|end", "<<|end|>>", "<|endoftext|", "<filename>",
        // misc symbols
        "€", "™", "…", "—", "•", "\u0000", "\u0007", "\u007f", "\u00ad", "\ufffd",
    ];

    [Fact]
    public void Encode_RandomUnicodeStrings_MatchHuggingFaceTokenizers()
    {
        var random = new Random(20261130);
        var texts = new List<string>();
        for (int i = 0; i < 2500; i++)
        {
            var sb = new StringBuilder();
            int parts = random.Next(1, 14);
            for (int p = 0; p < parts; p++)
                sb.Append(s_alphabet[random.Next(s_alphabet.Length)]);
            texts.Add(sb.ToString());
        }
        string tokenizerJson = SharedPaths.Fixtures("tiny-starchat", "tokenizer.json");
        var expected = HfTokenizersOracle.Encode(tokenizerJson, texts);
        Assert.Equal(texts.Count, expected.Length);
        var failures = new List<string>();
        for (int i = 0; i < texts.Count; i++)
        {
            var actual = TestTokenizers.StarChat.Encode(texts[i]);
            if (!actual.AsSpan().SequenceEqual(expected[i]))
                failures.Add($"{Escape(texts[i])}: expected [{string.Join(' ', expected[i])}], got [{string.Join(' ', actual)}]");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {texts.Count} differ:\n" + string.Join('\n', failures.Take(15)));
    }

    [Fact]
    public void Decode_RandomIdSequencesIncludingBrokenUtf8_MatchHuggingFaceTokenizers()
    {
        var random = new Random(7);
        var tokenizer = TestTokenizers.StarChat;
        var lists = new List<int[]>();
        for (int i = 0; i < 800; i++)
        {
            // Mostly byte tokens (ids 19..260 hold single bytes, many of them UTF-8 fragments) plus words and specials.
            lists.Add([.. Enumerable.Range(0, random.Next(1, 10)).Select(_ => random.Next(4) switch
            {
                0 => random.Next(19, 261),
                1 => random.Next(0, tokenizer.VocabSize),
                2 => random.Next(49152, 49156),
                _ => random.Next(20000, 49152),
            })]);
        }
        var expected = HfTokenizersOracle.Decode(SharedPaths.Fixtures("tiny-starchat", "tokenizer.json"), lists);
        for (int i = 0; i < lists.Count; i++)
            Assert.True(expected[i] == tokenizer.Decode(lists[i]), $"ids [{string.Join(' ', lists[i])}]: expected {Escape(expected[i])}, got {Escape(tokenizer.Decode(lists[i]))}");
    }

    private static string Escape(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var r in s.EnumerateRunes())
            sb.Append(r.Value is < 0x20 or >= 0x7f ? $"\\u{{{r.Value:X}}}" : r.ToString());
        return sb.Append('"').ToString();
    }
}
