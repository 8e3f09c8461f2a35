namespace StarChat.Text.Templates.Lexing;

internal enum TokenKind
{
    /// <summary>Literal template text between tags, after whitespace control.</summary>
    Text,
    /// <summary><c>{{</c></summary>
    VariableBegin,
    /// <summary><c>}}</c></summary>
    VariableEnd,
    /// <summary><c>{%</c></summary>
    BlockBegin,
    /// <summary><c>%}</c></summary>
    BlockEnd,
    Name,
    /// <summary>A string literal; <see cref="Token.Value"/> holds the unescaped text.</summary>
    String,
    Integer,
    Float,
    /// <summary>Punctuation or an operator; <see cref="Token.Value"/> holds it, e.g. <c>//</c>.</summary>
    Operator,
    End,
}

/// <summary>One lexed token with its 1-based source position.</summary>
internal readonly record struct Token(TokenKind Kind, string Value, int Line, int Column)
{
    public bool Is(TokenKind kind, string value) => Kind == kind && Value == value;

    public bool IsOperator(string op) => Kind == TokenKind.Operator && Value == op;

    public bool IsName(string name) => Kind == TokenKind.Name && Value == name;

    public string Describe() => Kind switch
    {
        TokenKind.End => "end of template",
        TokenKind.Text => "template text",
        TokenKind.VariableBegin => "'{{'",
        TokenKind.VariableEnd => "'}}'",
        TokenKind.BlockBegin => "'{%'",
        TokenKind.BlockEnd => "'%}'",
        TokenKind.String => "string literal",
        _ => $"'{Value}'",
    };
}
