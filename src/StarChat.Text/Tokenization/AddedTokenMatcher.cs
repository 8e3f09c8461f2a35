using System.Buffers;
using System.Text;

namespace StarChat.Text.Tokenization;

/// <summary>
/// Finds added tokens in raw text with leftmost-longest semantics (as the Aho-Corasick automaton of Hugging Face
/// <c>AddedVocabulary</c> does): the earliest position where any token matches, the longest token there. A match
/// that fails its <c>single_word</c> check is discarded and the search resumes after it, as upstream does.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly AddedToken[] _tokens;
    private readonly SearchValues<char>? _firstChars;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        // Longest first so the first hit at a position is the longest.
        _tokens = [.. tokens.Where(t => t.Content.Length > 0).OrderByDescending(t => t.Content.Length).ThenBy(t => t.Id)];
        if (_tokens.Length > 0)
            _firstChars = SearchValues.Create([.. _tokens.Select(t => t.Content[0]).Distinct()]);
    }

    public bool IsEmpty => _tokens.Length == 0;

    /// <summary>
    /// Splits <paramref name="text"/> into runs: <paramref name="onText"/> for text between matches and
    /// <paramref name="onToken"/> for each match (whose span includes any whitespace absorbed by lstrip/rstrip).
    /// </summary>
    public void Split<TState>(ReadOnlySpan<char> text, ref TState state, TextHandler<TState> onText, TokenHandler<TState> onToken)
        where TState : allows ref struct
    {
        int emitted = 0;
        int searchFrom = 0;
        while (_firstChars is not null && searchFrom < text.Length)
        {
            int rel = text[searchFrom..].IndexOfAny(_firstChars);
            if (rel < 0)
                break;
            int start = searchFrom + rel;
            var token = LongestAt(text, start);
            if (token is null)
            {
                searchFrom = start + 1;
                continue;
            }
            int stop = start + token.Content.Length;
            if (token.SingleWord && !IsSingleWord(text, start, stop))
            {
                searchFrom = stop;
                continue;
            }
            if (token.LStrip)
                start = Math.Max(WhitespaceStartBefore(text, start), emitted);
            if (token.RStrip)
                stop = WhitespaceEndAfter(text, stop);
            if (emitted < start)
                onText(ref state, text[emitted..start]);
            onToken(ref state, token);
            emitted = stop;
            searchFrom = stop;
        }
        if (emitted < text.Length)
            onText(ref state, text[emitted..]);
    }

    private AddedToken? LongestAt(ReadOnlySpan<char> text, int start)
    {
        var rest = text[start..];
        foreach (var t in _tokens)
        {
            if (rest.StartsWith(t.Content, StringComparison.Ordinal))
                return t;
        }
        return null;
    }

    private static bool IsSingleWord(ReadOnlySpan<char> text, int start, int stop)
    {
        if (start > 0)
        {
            Rune.DecodeLastFromUtf16(text[..start], out var before, out _);
            if (UnicodeClasses.IsWordChar(before)) return false;
        }
        if (stop < text.Length)
        {
            Rune.DecodeFromUtf16(text[stop..], out var after, out _);
            if (UnicodeClasses.IsWordChar(after)) return false;
        }
        return true;
    }

    private static int WhitespaceStartBefore(ReadOnlySpan<char> text, int start)
    {
        while (start > 0 && UnicodeClasses.IsSpace(text[start - 1]))
            start--;
        return start;
    }

    private static int WhitespaceEndAfter(ReadOnlySpan<char> text, int stop)
    {
        while (stop < text.Length && UnicodeClasses.IsSpace(text[stop]))
            stop++;
        return stop;
    }

    public delegate void TextHandler<TState>(ref TState state, ReadOnlySpan<char> text) where TState : allows ref struct;

    public delegate void TokenHandler<TState>(ref TState state, AddedToken token) where TState : allows ref struct;
}
