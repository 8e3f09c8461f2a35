using System.Text;
using static StarChat.Text.Tokenization.UnicodeClasses;

namespace StarChat.Text.Tokenization;

/// <summary>How text is split into words before BPE.</summary>
public enum PreTokenizerKind
{
    /// <summary>
    /// StarCoder, StarCoder2, SantaCoder (Hugging Face <c>Sequence[Digits(individual_digits), ByteLevel]</c>;
    /// llama.cpp pre-types <c>starcoder</c> and <c>refact</c>): every numeric character is its own piece,
    /// then the GPT-2 pattern splits each piece.
    /// </summary>
    StarCoder,

    /// <summary>GPT-2 (<c>ByteLevel</c> with its regex alone).</summary>
    Gpt2,
}

/// <summary>
/// Splits text into pre-tokens exactly as Hugging Face <c>tokenizers</c> does with Oniguruma, but over Unicode
/// scalar values: the GPT-2 pattern <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>,
/// written out as a hand-made matcher (a .NET <c>Regex</c> would see UTF-16 units and misclassify astral letters).
/// A lone surrogate behaves as U+FFFD (class "other"), which is also what its UTF-8 encoding becomes.
/// </summary>
internal ref struct PreTokenizer
{
    private readonly ReadOnlySpan<char> _text;
    private readonly bool _isolateDigits;
    private int _pos;
    private int _pieceEnd;

    public PreTokenizer(ReadOnlySpan<char> text, PreTokenizerKind kind)
    {
        _text = text;
        _isolateDigits = kind == PreTokenizerKind.StarCoder;
        _pos = 0;
        _pieceEnd = 0;
    }

    /// <summary>Start of the current pre-token.</summary>
    public int Start { get; private set; }

    /// <summary>Length of the current pre-token in UTF-16 units.</summary>
    public int Length { get; private set; }

    /// <summary>Advances to the next pre-token; false at the end.</summary>
    public bool MoveNext()
    {
        if (_pos >= _text.Length)
            return false;
        if (_pos >= _pieceEnd)
            _pieceEnd = NextPieceEnd(_pos);
        int end = MatchAt(_pos, _pieceEnd);
        Start = _pos;
        Length = end - _pos;
        _pos = end;
        return true;
    }

    /// <summary>
    /// The Digits pre-tokenizer's pieces: a numeric character alone, or a maximal run without numeric characters.
    /// The GPT-2 pattern never looks across a piece boundary (its <c>(?!\S)</c> sees the piece end as the text end).
    /// </summary>
    private readonly int NextPieceEnd(int start)
    {
        if (!_isolateDigits)
            return _text.Length;
        var (first, firstLen) = RuneAt(start);
        if (Of(first) == Class.Number)
            return start + firstLen;
        int i = start + firstLen;
        while (i < _text.Length)
        {
            var (r, len) = RuneAt(i);
            if (Of(r) == Class.Number)
                break;
            i += len;
        }
        return i;
    }

    /// <summary>End of the pattern's match starting at <paramref name="i"/> within the piece ending at <paramref name="end"/>.</summary>
    private readonly int MatchAt(int i, int end)
    {
        var (r, len) = RuneAt(i);

        // 's 't 're 've 'm 'll 'd
        if (r.Value == '\'' && i + 1 < end)
        {
            char a = _text[i + 1];
            if (a is 's' or 't' or 'm' or 'd')
                return i + 2;
            if (i + 2 < end)
            {
                char b = _text[i + 2];
                if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
                    return i + 3;
            }
        }

        var cls = Of(r);
        if (r.Value == ' ' && i + 1 < end)
        {
            // " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+": a single leading space joins the following run.
            var (next, _) = RuneAt(i + 1);
            var nextClass = Of(next);
            if (nextClass != Class.Space)
                return RunEnd(i + 1, end, nextClass);
        }
        if (cls != Class.Space)
            return RunEnd(i + len, end, cls);

        // Whitespace: "\s+(?!\S)" keeps the last space for the next word when a non-space follows; "\s+" otherwise.
        int j = RunEnd(i + len, end, Class.Space);
        if (j == end)
            return j;
        return j - 1 > i ? j - 1 : j;
    }

    /// <summary>End of the run of runes of class <paramref name="cls"/> starting at <paramref name="i"/>.</summary>
    private readonly int RunEnd(int i, int end, Class cls)
    {
        while (i < end)
        {
            char c = _text[i];
            if (c < 0x80)
            {
                if (Of(new Rune(c)) != cls) break;
                i++;
                continue;
            }
            var (r, len) = RuneAt(i);
            if (Of(r) != cls) break;
            i += len;
        }
        return i;
    }

    private readonly (Rune Rune, int Length) RuneAt(int i)
    {
        char c = _text[i];
        if (!char.IsSurrogate(c))
            return (new Rune(c), 1);
        Rune.DecodeFromUtf16(_text[i..], out var r, out int consumed);
        return (r, consumed);
    }
}
