using System.Text;
using StarChat.Text.Tokenization;

namespace StarChat.Text.Tests.Tokenization;

/// <summary>The merge table and the way a tokenizer's merges are read: the same merges whatever the vocabulary's order.</summary>
public class MergeTableTests
{
    [Fact]
    public void MergeTable_RandomPairs_AnswerAsADictionary()
    {
        var random = new Random(5);
        var reference = new Dictionary<(int, int), Merge>();
        var table = new MergeTable(5000);
        // Small ids collide often; (0, 0) and the largest ids are the keys' edge cases.
        (int, int)[] edges = [(0, 0), (int.MaxValue, int.MaxValue), (0, int.MaxValue), (int.MaxValue, 0)];
        for (int i = 0; i < 5000; i++)
        {
            var pair = i < edges.Length ? edges[i] : (random.Next(300), random.Next(300));
            var merge = new Merge(i, random.Next());
            Assert.Equal(reference.TryAdd(pair, merge), table.TryAdd(pair.Item1, pair.Item2, merge));
        }
        Assert.Equal(reference.Count, table.Count);
        for (int left = 0; left < 310; left++)
        {
            for (int right = 0; right < 310; right++)
            {
                Assert.Equal(reference.TryGetValue((left, right), out var expected), table.TryGet(left, right, out var got));
                Assert.Equal(expected, got);
            }
        }
        foreach (var (l, r) in edges)
            Assert.True(table.TryGet(l, r, out var m) && m == reference[(l, r)]);
    }

    [Fact]
    public void MergeTable_PairListedTwice_KeepsItsFirstRank()
    {
        var table = new MergeTable(2);
        Assert.True(table.TryAdd(3, 4, new Merge(0, 10)));
        Assert.False(table.TryAdd(3, 4, new Merge(1, 11)));
        Assert.True(table.TryGet(3, 4, out var m));
        Assert.Equal(new Merge(0, 10), m);
        Assert.False(table.TryGet(4, 3, out _));
    }

    [Fact]
    public void Create_MergeResultsOutOfRankOrder_GiveTheSameTokens()
    {
        // The merged token is first looked for where the previous merge's result sits; reversing the byte-level ids
        // makes every such guess wrong, so each merge takes the lookup and must still find the same token.
        var definition = TestTokenizers.StarCoder.Definition;
        var added = definition.AddedTokens.Select(t => t.Id).ToHashSet();
        int[] byteLevel = [.. Enumerable.Range(0, definition.Tokens.Count).Where(id => definition.Tokens[id] is not null && !added.Contains(id))];
        var newId = Enumerable.Range(0, definition.Tokens.Count).ToArray();
        for (int i = 0; i < byteLevel.Length; i++)
            newId[byteLevel[i]] = byteLevel[^(i + 1)];
        var tokens = new string?[definition.Tokens.Count];
        for (int id = 0; id < tokens.Length; id++)
            tokens[newId[id]] = definition.Tokens[id];
        var reversed = ByteLevelBpeTokenizer.Create(definition with { Tokens = tokens });

        foreach (string text in new[] { "def print_hello_world():\n    print('Hello')", "x = 12345 naïve 日本語 \t\r\n", "public static void Main() { }" })
            Assert.Equal(TestTokenizers.StarCoder.Encode(text).Select(id => newId[id]), reversed.Encode(text));
    }

    [Fact]
    public void Create_StringListedTwice_MergesIntoItsFirstId()
    {
        // "b c" puts the guess four ids past each rank, where id 5 holds a second "ab": the merge "a b" must still
        // give 3, the id the vocabulary keeps for that string.
        var definition = new TokenizerDefinition
        {
            Origin = "test",
            Tokens = ["a", "b", "c", "ab", "bc", "ab"],
            Merges = [("b", "c"), ("a", "b")],
            PreTokenizer = PreTokenizerKind.Gpt2,
        };
        var tokenizer = ByteLevelBpeTokenizer.Create(definition);
        Assert.Equal([3], tokenizer.Encode("ab"));
        Assert.Equal([4], tokenizer.Encode("bc"));
    }

    [Fact]
    public void MergeLines_ReadAsPairs_SplitAtTheSpace()
    {
        string[] lines = ["Ġ t", "h e", "Ġt he"];
        var merges = Lines(lines);
        Assert.Equal([("Ġ", "t"), ("h", "e"), ("Ġt", "he")], merges);
        Assert.Equal(("h", "e"), merges[1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => merges[3]);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData(" ab")]
    [InlineData("ab ")]
    [InlineData("")]
    public void MergeLines_LineWithoutTwoTokens_ThrowsNamingIt(string bad)
    {
        var merges = Lines(["a b", bad]);
        var e = Assert.Throws<TokenizerFormatException>(() => merges[1]);
        Assert.Equal("tokenizer.ggml.merges[1]", e.Field);
        Assert.Equal("vocab.gguf", e.Origin);
        var definition = new TokenizerDefinition { Origin = "vocab.gguf", Tokens = ["a", "b", "ab"], Merges = merges };
        e = Assert.Throws<TokenizerFormatException>(() => ByteLevelBpeTokenizer.Create(definition));
        Assert.Equal("tokenizer.ggml.merges[1]", e.Field);
    }

    [Fact]
    public void Create_MergeLinesLongerThanTheStackBuffers_StillMerge()
    {
        // Two 200-character tokens grown one letter at a time from a letter that occurs once ("xaa…", "ybb…"), then
        // merged: a 401-character line whose 400-character result sits out of rank order, so it is looked up, and
        // both go through the heap rather than the 256-character stack buffers.
        string left = "x" + new string('a', 199), right = "y" + new string('b', 199);
        var tokens = new List<string?> { "x", "a", "y", "b", left + right };
        var merges = new List<string>();
        foreach (string word in new[] { left, right })
        {
            for (int n = 2; n <= word.Length; n++)
            {
                merges.Add($"{word[..(n - 1)]} {word[n - 1]}");
                tokens.Add(word[..n]);
            }
        }
        merges.Add($"{left} {right}");
        var tokenizer = ByteLevelBpeTokenizer.Create(new TokenizerDefinition
        {
            Origin = "test",
            Tokens = tokens,
            Merges = Lines([.. merges]),
            PreTokenizer = PreTokenizerKind.Gpt2,
        });
        Assert.Equal([4], tokenizer.Encode(left + right));
        Assert.Equal([tokens.IndexOf(left)], tokenizer.Encode(left));
    }

    private static MergeLines Lines(string[] lines)
        => new("vocab.gguf", "tokenizer.ggml.merges", lines.Length, i => Encoding.UTF8.GetBytes(lines[i]));
}
