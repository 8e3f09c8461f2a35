using System.Text.RegularExpressions;

namespace StarChat.Text.Templates.Lexing;

/// <summary>
/// Splits a Jinja template into text and tag tokens, applying whitespace control as Jinja's lexer does:
/// <c>{%-</c>/<c>-%}</c> strip whitespace on that side, <c>trim_blocks</c> drops the first newline after a block or
/// comment tag, <c>lstrip_blocks</c> drops spaces and tabs between a line start and a block or comment tag, and
/// <c>+</c> turns either option off for one tag. Newlines are normalised to <c>\n</c> and a single trailing newline is
/// dropped unless <c>keep_trailing_newline</c>.
/// </summary>
internal sealed partial class TemplateLexer
{
    private static readonly string[] s_twoCharOperators = ["//", "**", "==", "!=", "<=", ">="];
    private const string OneCharOperators = "+-*/%~<>=()[]{},.:|;!";

    private readonly string _src;
    private readonly ChatTemplateOptions _options;
    private readonly List<int> _lineStarts = [0];
    private readonly List<Token> _tokens = [];
    private int _pos;

    private TemplateLexer(string source, ChatTemplateOptions options)
    {
        _src = source;
        _options = options;
        for (int i = 0; i < source.Length; i++)
        {
            if (source[i] == '\n')
                _lineStarts.Add(i + 1);
        }
    }

    /// <exception cref="TemplateException">Unclosed tag, comment or string, or a character Jinja does not accept.</exception>
    public static List<Token> Tokenize(string source, ChatTemplateOptions options)
    {
        string normalized = source.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        if (!options.KeepTrailingNewline && normalized.EndsWith('\n'))
            normalized = normalized[..^1];
        var lexer = new TemplateLexer(normalized, options);
        lexer.Run();
        return lexer._tokens;
    }

    /// <summary>Python's <c>str.isspace</c>, which Jinja's <c>\s</c> and <c>rstrip()</c> follow.</summary>
    internal static bool IsPythonSpace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

    private static string TrimEndPython(string s)
    {
        int end = s.Length;
        while (end > 0 && IsPythonSpace(s[end - 1]))
            end--;
        return s[..end];
    }

    private static int CountLeadingSpace(string s)
    {
        int i = 0;
        while (i < s.Length && IsPythonSpace(s[i]))
            i++;
        return i;
    }

    private static bool IsAllPythonSpace(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
        {
            if (!IsPythonSpace(c))
                return false;
        }
        return true;
    }

    private void Run()
    {
        bool lineStarting = true;
        while (_pos < _src.Length)
        {
            int tag = FindTagStart(_pos);
            if (tag < 0)
            {
                Emit(TokenKind.Text, _src[_pos..], _pos);
                break;
            }
            char kind = _src[tag + 1];
            char sign = tag + 2 < _src.Length && _src[tag + 2] is '-' or '+' ? _src[tag + 2] : '\0';
            string text = _src[_pos..tag];
            if (sign == '-')
            {
                text = TrimEndPython(text);
            }
            else if (sign != '+' && _options.LstripBlocks && kind != '{')
            {
                int lineStart = text.LastIndexOf('\n') + 1;
                if ((lineStart > 0 || lineStarting) && IsAllPythonSpace(text.AsSpan(lineStart)))
                    text = text[..lineStart];
            }
            Emit(TokenKind.Text, text, _pos);
            int inner = tag + 2 + (sign != '\0' ? 1 : 0);
            switch (kind)
            {
                case '#':
                    LexComment(tag, inner);
                    break;
                case '{':
                    Emit(TokenKind.VariableBegin, "{{", tag);
                    _pos = inner;
                    LexTagBody(tag, "}}", blockLike: false);
                    break;
                default:
                    if (!TryLexRaw(tag, inner))
                    {
                        Emit(TokenKind.BlockBegin, "{%", tag);
                        _pos = inner;
                        LexTagBody(tag, "%}", blockLike: true);
                    }
                    break;
            }
            lineStarting = _pos > 0 && _src[_pos - 1] == '\n';
        }
        Emit(TokenKind.End, "", _src.Length, force: true);
    }

    private int FindTagStart(int from)
    {
        for (int i = _src.IndexOf('{', from); i >= 0 && i + 1 < _src.Length; i = _src.IndexOf('{', i + 1))
        {
            if (_src[i + 1] is '{' or '%' or '#')
                return i;
        }
        return -1;
    }

    private void LexComment(int tag, int inner)
    {
        int end = _src.IndexOf("#}", inner, StringComparison.Ordinal);
        if (end < 0)
            throw Error("unclosed comment: '{#' has no matching '#}'", tag);
        char endSign = end > inner && _src[end - 1] is '-' or '+' ? _src[end - 1] : '\0';
        _pos = end + 2;
        AfterTagEnd(endSign, blockLike: true);
    }

    /// <summary><c>{% raw %}...{% endraw %}</c>: everything in between is literal text.</summary>
    private bool TryLexRaw(int tag, int inner)
    {
        var open = RawBegin().Match(_src, inner);
        if (!open.Success)
            return false;
        var close = RawEnd().Match(_src, open.Index + open.Length);
        if (!close.Success)
            throw Error("unclosed '{% raw %}': no matching '{% endraw %}'", tag);
        int bodyStart = open.Index + open.Length;
        string body = _src[bodyStart..close.Index];
        if (open.Groups[1].Value == "-")
            body = body[CountLeadingSpace(body)..];
        else if (open.Groups[1].Value != "+" && _options.TrimBlocks && body.StartsWith('\n'))
            body = body[1..];
        if (close.Groups[1].Value == "-")
            body = TrimEndPython(body);
        Emit(TokenKind.Text, body, bodyStart);
        _pos = close.Index + close.Length;
        AfterTagEnd(close.Groups[2].Value is ['-' or '+'] ? close.Groups[2].Value[0] : '\0', blockLike: true);
        return true;
    }

    private void LexTagBody(int tag, string endMarker, bool blockLike)
    {
        int depth = 0;
        string tagName = blockLike ? "'{%'" : "'{{'";
        while (true)
        {
            while (_pos < _src.Length && IsPythonSpace(_src[_pos]))
                _pos++;
            if (_pos >= _src.Length)
                throw Error($"unclosed tag: {tagName} has no matching '{endMarker}'", tag);
            if (depth == 0 && TryTagEnd(endMarker, blockLike))
                return;
            char c = _src[_pos];
            if (c is '\'' or '"')
                LexString();
            else if (char.IsAsciiDigit(c))
                LexNumber();
            else if (char.IsLetter(c) || c == '_')
                LexName();
            else
                depth = LexOperator(depth);
        }
    }

    private bool TryTagEnd(string endMarker, bool blockLike)
    {
        int start = _pos;
        char sign = '\0';
        if (_src[_pos] is '-' or '+' && string.CompareOrdinal(_src, _pos + 1, endMarker, 0, 2) == 0 && (_src[_pos] == '-' || blockLike))
            sign = _src[_pos];
        else if (string.CompareOrdinal(_src, _pos, endMarker, 0, 2) != 0)
            return false;
        _pos += sign == '\0' ? 2 : 3;
        Emit(blockLike ? TokenKind.BlockEnd : TokenKind.VariableEnd, endMarker, start);
        AfterTagEnd(sign, blockLike);
        return true;
    }

    private void AfterTagEnd(char sign, bool blockLike)
    {
        if (sign == '-')
        {
            while (_pos < _src.Length && IsPythonSpace(_src[_pos]))
                _pos++;
        }
        else if (sign != '+' && blockLike && _options.TrimBlocks && _pos < _src.Length && _src[_pos] == '\n')
        {
            _pos++;
        }
    }

    private void LexName()
    {
        int start = _pos;
        while (_pos < _src.Length && (char.IsLetterOrDigit(_src[_pos]) || _src[_pos] == '_'))
            _pos++;
        Emit(TokenKind.Name, _src[start.._pos], start);
    }

    private void LexNumber()
    {
        int start = _pos;
        bool afterDot = _tokens.Count > 0 && _tokens[^1].IsOperator(".");
        if (_src[_pos] == '0' && _pos + 1 < _src.Length && char.ToLowerInvariant(_src[_pos + 1]) is 'x' or 'o' or 'b')
        {
            _pos += 2;
            while (_pos < _src.Length && (char.IsAsciiHexDigit(_src[_pos]) || _src[_pos] == '_'))
                _pos++;
            Emit(TokenKind.Integer, _src[start.._pos].Replace("_", "", StringComparison.Ordinal), start);
            return;
        }
        SkipDigits();
        bool isFloat = false;
        if (!afterDot && _pos + 1 < _src.Length && _src[_pos] == '.' && char.IsAsciiDigit(_src[_pos + 1]))
        {
            _pos++;
            SkipDigits();
            isFloat = true;
        }
        if (!afterDot && _pos < _src.Length && _src[_pos] is 'e' or 'E')
        {
            int save = _pos++;
            if (_pos < _src.Length && _src[_pos] is '+' or '-')
                _pos++;
            if (_pos < _src.Length && char.IsAsciiDigit(_src[_pos]))
            {
                SkipDigits();
                isFloat = true;
            }
            else
            {
                _pos = save;
            }
        }
        Emit(isFloat ? TokenKind.Float : TokenKind.Integer, _src[start.._pos].Replace("_", "", StringComparison.Ordinal), start);
    }

    private void SkipDigits()
    {
        while (_pos < _src.Length && (char.IsAsciiDigit(_src[_pos]) || (_src[_pos] == '_' && _pos + 1 < _src.Length && char.IsAsciiDigit(_src[_pos + 1]))))
            _pos++;
    }

    private int LexOperator(int depth)
    {
        int start = _pos;
        foreach (var op in s_twoCharOperators)
        {
            if (string.CompareOrdinal(_src, _pos, op, 0, 2) == 0)
            {
                _pos += 2;
                Emit(TokenKind.Operator, op, start);
                return depth;
            }
        }
        char c = _src[_pos];
        if (!OneCharOperators.Contains(c, StringComparison.Ordinal))
            throw Error($"unexpected character '{c}' (U+{(int)c:X4}) inside a tag", start);
        _pos++;
        Emit(TokenKind.Operator, c.ToString(), start);
        return c switch
        {
            '(' or '[' or '{' => depth + 1,
            ')' or ']' or '}' => Math.Max(0, depth - 1),
            _ => depth,
        };
    }

    private void LexString()
    {
        int start = _pos;
        char quote = _src[_pos++];
        var sb = new System.Text.StringBuilder();
        while (true)
        {
            if (_pos >= _src.Length)
                throw Error("unterminated string literal", start);
            char c = _src[_pos++];
            if (c == quote)
                break;
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            if (_pos >= _src.Length)
                throw Error("unterminated string literal", start);
            StringEscapes.Append(sb, _src, ref _pos, offset => Error("invalid escape sequence in string literal", offset));
        }
        Emit(TokenKind.String, sb.ToString(), start);
    }

    private void Emit(TokenKind kind, string value, int offset, bool force = false)
    {
        if (kind == TokenKind.Text && value.Length == 0 && !force)
            return;
        var (line, column) = Position(offset);
        _tokens.Add(new Token(kind, value, line, column));
    }

    private (int Line, int Column) Position(int offset)
    {
        int index = _lineStarts.BinarySearch(offset);
        int line = index >= 0 ? index : ~index - 1;
        return (line + 1, offset - _lineStarts[line] + 1);
    }

    private TemplateException Error(string reason, int offset)
    {
        var (line, column) = Position(offset);
        return new TemplateException(reason, line, column);
    }

    [GeneratedRegex(@"\G[\s]*raw[\s]*([-+]?)%\}")]
    private static partial Regex RawBegin();

    [GeneratedRegex(@"\{%([-+]?)[\s]*endraw[\s]*([-+]?)%\}")]
    private static partial Regex RawEnd();
}
