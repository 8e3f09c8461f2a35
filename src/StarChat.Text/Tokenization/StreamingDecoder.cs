using System.Text;

namespace StarChat.Text.Tokenization;

/// <summary>
/// Turns tokens into text as they are generated. Never emits part of a UTF-8 character (a byte-level token can end
/// inside one: "😀" is two tokens), and holds back text that could be the start of a stop string until it can no
/// longer match. When a stop string appears, the text before it is emitted and the stop string itself is not
/// (llama.cpp server and OpenAI behaviour). Not thread-safe: one decoder per generated sequence.
/// </summary>
public sealed class StreamingDecoder
{
    private readonly ByteLevelBpeTokenizer _tokenizer;
    private readonly string[] _stops;
    private readonly bool _skipSpecialTokens;
    private readonly Decoder _utf8 = Encoding.UTF8.GetDecoder();
    private readonly StringBuilder _held = new();
    private readonly StringBuilder _emitted = new();
    private char[] _chars = new char[64];

    /// <summary>Creates a decoder.</summary>
    /// <param name="tokenizer">The tokenizer the ids come from.</param>
    /// <param name="stopStrings">Strings that end the text (empty strings are ignored).</param>
    /// <param name="skipSpecialTokens">Leave special tokens' text out.</param>
    public StreamingDecoder(ByteLevelBpeTokenizer tokenizer, IEnumerable<string>? stopStrings = null, bool skipSpecialTokens = false)
    {
        _tokenizer = tokenizer;
        _stops = [.. (stopStrings ?? []).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal)];
        _skipSpecialTokens = skipSpecialTokens;
    }

    /// <summary>True once a stop string has been seen; later tokens are ignored.</summary>
    public bool IsStopped => MatchedStop is not null;

    /// <summary>The stop string that ended the text, if any.</summary>
    public string? MatchedStop { get; private set; }

    /// <summary>Everything emitted so far.</summary>
    public string Text => _emitted.ToString();

    /// <summary>Adds one token; returns the text that became safe to show (often empty).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside the vocabulary.</exception>
    public string Push(int tokenId)
    {
        var bytes = _tokenizer.TokenBytes(tokenId);
        if (IsStopped || (_skipSpecialTokens && _tokenizer.IsSpecial(tokenId)))
            return "";
        Decode(bytes, flush: false);
        return Release(final: false);
    }

    /// <summary>Ends the stream: an unfinished UTF-8 character becomes U+FFFD and held-back text is released.</summary>
    public string Finish()
    {
        if (IsStopped)
            return "";
        Decode([], flush: true);
        return Release(final: true);
    }

    private void Decode(ReadOnlySpan<byte> bytes, bool flush)
    {
        int needed = _utf8.GetCharCount(bytes, flush);
        if (needed > _chars.Length)
            _chars = new char[Math.Max(needed, _chars.Length * 2)];
        int n = _utf8.GetChars(bytes, _chars, flush);
        _held.Append(_chars, 0, n);
    }

    private string Release(bool final)
    {
        if (_held.Length == 0)
            return "";
        string held = _held.ToString();
        int stopAt = -1;
        foreach (var stop in _stops)
        {
            int at = held.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (stopAt < 0 || at < stopAt))
            {
                stopAt = at;
                MatchedStop = stop;
            }
        }
        int release = stopAt >= 0 ? stopAt : final ? held.Length : held.Length - HoldBack(held);
        string output = held[..release];
        _held.Clear();
        if (stopAt < 0)
            _held.Append(held, release, held.Length - release);
        _emitted.Append(output);
        return output;
    }

    /// <summary>Length of the longest suffix of <paramref name="text"/> that is a proper prefix of a stop string.</summary>
    private int HoldBack(string text)
    {
        int best = 0;
        foreach (var stop in _stops)
        {
            for (int len = Math.Min(stop.Length - 1, text.Length); len > best; len--)
            {
                if (text.AsSpan(text.Length - len).SequenceEqual(stop.AsSpan(0, len)))
                {
                    best = len;
                    break;
                }
            }
        }
        return best;
    }
}
