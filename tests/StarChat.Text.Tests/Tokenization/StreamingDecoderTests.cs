using System.Text;
using StarChat.Text.Tokenization;

namespace StarChat.Text.Tests.Tokenization;

public class StreamingDecoderTests
{
    private static ByteLevelBpeTokenizer Tok => TestTokenizers.StarChat;

    [Fact]
    public void Push_EmojiSplitAcrossTokens_EmitsCharacterOnceComplete()
    {
        // "😀" = 36628 (bytes F0 9F 98) + 227 (byte 80), protocols.md §1.8.
        var decoder = new StreamingDecoder(Tok);
        Assert.Equal("", decoder.Push(36628));
        Assert.Equal("😀", decoder.Push(227));
        Assert.Equal("", decoder.Finish());
    }

    [Fact]
    public void Finish_TrailingIncompleteCharacter_BecomesReplacementCharacter()
    {
        var decoder = new StreamingDecoder(Tok);
        Assert.Equal("", decoder.Push(36628));
        Assert.Equal("\uFFFD", decoder.Finish());
        Assert.Equal(Tok.Decode([36628]), decoder.Text);
    }

    [Fact]
    public void Push_StopStringSpanningTokens_HeldBackThenCut()
    {
        var decoder = new StreamingDecoder(Tok, ["\nHuman:"]);
        var output = new StringBuilder();
        foreach (var id in Tok.Encode("Sure.\nHuman: more"))
            output.Append(decoder.Push(id));
        output.Append(decoder.Finish());
        Assert.Equal("Sure.", output.ToString());
        Assert.Equal("\nHuman:", decoder.MatchedStop);
    }

    [Fact]
    public void Push_PartialStopPrefixThatDiverges_IsReleased()
    {
        var decoder = new StreamingDecoder(Tok, ["\nHuman:"]);
        var chunks = Tok.Encode("a\nHum").Select(decoder.Push).ToList();
        Assert.Equal("a", string.Concat(chunks));             // "\nHum" could still become "\nHuman:"
        var more = string.Concat(Tok.Encode("bug").Select(decoder.Push));
        Assert.Equal("\nHumbug", more);                       // now it cannot
        Assert.False(decoder.IsStopped);
    }

    [Fact]
    public void Push_SpecialTokensSkipped_WhenAsked()
    {
        var decoder = new StreamingDecoder(Tok, skipSpecialTokens: true);
        var text = string.Concat(Tok.Encode("hi<|end|>there").Select(decoder.Push)) + decoder.Finish();
        Assert.Equal("hithere", text);
    }

    [Fact]
    public void Push_RandomIds_ConcatenationEqualsDecodeAndNoChunkSplitsACharacter()
    {
        var random = new Random(3);
        for (int trial = 0; trial < 300; trial++)
        {
            int[] ids = [.. Enumerable.Range(0, random.Next(1, 30)).Select(_ => random.Next(2) == 0 ? random.Next(19, 261) : random.Next(0, Tok.VocabSize))];
            var decoder = new StreamingDecoder(Tok);
            var all = new StringBuilder();
            foreach (var id in ids)
            {
                string chunk = decoder.Push(id);
                if (chunk.Length > 0)
                {
                    Assert.False(char.IsHighSurrogate(chunk[^1]), "chunk ends inside a surrogate pair");
                    Assert.False(char.IsLowSurrogate(chunk[0]), "chunk starts inside a surrogate pair");
                }
                all.Append(chunk);
            }
            all.Append(decoder.Finish());
            Assert.Equal(Tok.Decode(ids), all.ToString());
        }
    }

    [Fact]
    public void Push_AfterStop_IgnoresLaterTokens()
    {
        var decoder = new StreamingDecoder(Tok, ["STOP"]);
        string text = string.Concat(Tok.Encode("abcSTOPdef").Select(decoder.Push)) + decoder.Finish();
        Assert.Equal("abc", text);
        Assert.Equal("", decoder.Push(83));
    }
}
