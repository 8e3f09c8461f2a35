using StarChat.Text.Templates.Values;

namespace StarChat.Text.Templates.Parsing;

/// <summary>An expression node; <see cref="Line"/> and <see cref="Column"/> locate it for error messages.</summary>
internal abstract record Expr(int Line, int Column);

/// <summary>A literal; string literals are trusted (the template wrote them).</summary>
internal sealed record LiteralExpr(Value Value, int Line, int Column) : Expr(Line, Column);

internal sealed record NameExpr(string Name, int Line, int Column) : Expr(Line, Column);

/// <summary><c>x.name</c> (also <c>x.0</c>, which Jinja treats as an item).</summary>
internal sealed record AttributeExpr(Expr Target, string Attribute, int Line, int Column) : Expr(Line, Column);

/// <summary><c>x[key]</c>.</summary>
internal sealed record ItemExpr(Expr Target, Expr Key, int Line, int Column) : Expr(Line, Column);

/// <summary><c>x[start:stop:step]</c>.</summary>
internal sealed record SliceExpr(Expr Target, Expr? Start, Expr? Stop, Expr? Step, int Line, int Column) : Expr(Line, Column);

/// <summary>Call arguments; <see cref="Spread"/> is <c>*xs</c> and <see cref="KeywordSpread"/> is <c>**d</c>.</summary>
internal sealed record Arguments(IReadOnlyList<Expr> Positional, IReadOnlyList<KeyValuePair<string, Expr>> Named, Expr? Spread = null, Expr? KeywordSpread = null)
{
    public static Arguments None { get; } = new([], []);
}

internal sealed record CallExpr(Expr Callee, Arguments Arguments, int Line, int Column) : Expr(Line, Column);

/// <summary><c>input | name(args)</c>.</summary>
internal sealed record FilterExpr(Expr Input, string Name, Arguments Arguments, int Line, int Column) : Expr(Line, Column);

/// <summary><c>input is [not] name(args)</c>.</summary>
internal sealed record TestExpr(Expr Input, string Name, Arguments Arguments, bool Negated, int Line, int Column) : Expr(Line, Column);

/// <summary>Arithmetic and <c>~</c>: <c>+ - * / // % ** ~</c>.</summary>
internal sealed record BinaryExpr(string Operator, Expr Left, Expr Right, int Line, int Column) : Expr(Line, Column);

/// <summary>Short-circuit <c>and</c> / <c>or</c>, returning an operand as Python does.</summary>
internal sealed record LogicalExpr(bool IsAnd, Expr Left, Expr Right, int Line, int Column) : Expr(Line, Column);

/// <summary><c>-x</c>, <c>+x</c>, <c>not x</c>.</summary>
internal sealed record UnaryExpr(string Operator, Expr Operand, int Line, int Column) : Expr(Line, Column);

/// <summary>A comparison chain: <c>a &lt; b &lt;= c</c>, <c>x in y</c>, <c>x not in y</c>.</summary>
internal sealed record CompareExpr(Expr First, IReadOnlyList<KeyValuePair<string, Expr>> Rest, int Line, int Column) : Expr(Line, Column);

/// <summary><c>then if test else otherwise</c>; without <c>else</c> a false test gives undefined.</summary>
internal sealed record ConditionalExpr(Expr Test, Expr Then, Expr? Otherwise, int Line, int Column) : Expr(Line, Column);

internal sealed record ListExpr(IReadOnlyList<Expr> Items, bool IsTuple, int Line, int Column) : Expr(Line, Column);

internal sealed record DictExpr(IReadOnlyList<KeyValuePair<Expr, Expr>> Entries, int Line, int Column) : Expr(Line, Column);
