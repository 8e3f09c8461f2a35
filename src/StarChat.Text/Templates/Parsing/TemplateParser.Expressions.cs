using System.Globalization;
using StarChat.Text.Templates.Evaluation;
using StarChat.Text.Templates.Lexing;
using StarChat.Text.Templates.Values;

namespace StarChat.Text.Templates.Parsing;

/// <summary>Expressions, with Jinja's precedence from loosest to tightest:
/// conditional, <c>or</c>, <c>and</c>, <c>not</c>, comparisons and <c>in</c>, <c>+ -</c>, <c>~</c>,
/// <c>* / // %</c>, <c>**</c>, unary <c>- +</c>, then postfix (<c>.attr</c>, <c>[..]</c>, calls), filters and tests.</summary>
internal sealed partial class TemplateParser
{
    private static readonly HashSet<string> s_compareOperators = ["==", "!=", "<", ">", "<=", ">="];

    /// <summary>An expression or a bare tuple <c>a, b</c>.</summary>
    private Expr ParseTuple(bool allowConditional)
    {
        var start = Current;
        Expr first = allowConditional ? ParseExpression() : ParseOr();
        if (!Current.IsOperator(","))
            return first;
        var items = new List<Expr> { first };
        while (Current.IsOperator(","))
        {
            Next();
            if (IsExpressionEnd(Current))
                break;
            items.Add(allowConditional ? ParseExpression() : ParseOr());
        }
        return new ListExpr(items, IsTuple: true, start.Line, start.Column);
    }

    private static bool IsExpressionEnd(Token t) =>
        t.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd or TokenKind.End || t.IsOperator(")") || t.IsOperator("=")
        || t.IsName("if") || t.IsName("in");

    /// <summary>Conditional expression: <c>a if test else b</c>.</summary>
    private Expr ParseExpression()
    {
        var start = Current;
        using var _ = Nest(start);
        var expr = ParseOr();
        while (Current.IsName("if"))
        {
            var at = Next();
            using var deeper = Nest(at);
            var test = ParseOr();
            Expr? otherwise = null;
            if (Current.IsName("else"))
            {
                Next();
                otherwise = ParseExpression();
            }
            expr = new ConditionalExpr(test, expr, otherwise, at.Line, at.Column);
        }
        return expr;
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        int saved = _depth;
        try
        {
            while (Current.IsName("or"))
            {
                var at = Next();
                Deepen(at);
                left = new LogicalExpr(IsAnd: false, left, ParseAnd(), at.Line, at.Column);
            }
            return left;
        }
        finally
        {
            _depth = saved;
        }
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        int saved = _depth;
        try
        {
            while (Current.IsName("and"))
            {
                var at = Next();
                Deepen(at);
                left = new LogicalExpr(IsAnd: true, left, ParseNot(), at.Line, at.Column);
            }
            return left;
        }
        finally
        {
            _depth = saved;
        }
    }

    private Expr ParseNot()
    {
        if (!Current.IsName("not"))
            return ParseCompare();
        var at = Next();
        using var _ = Nest(at);
        return new UnaryExpr("not", ParseNot(), at.Line, at.Column);
    }

    private Expr ParseCompare()
    {
        var start = Current;
        var first = ParseMath1();
        var rest = new List<KeyValuePair<string, Expr>>();
        while (true)
        {
            string op;
            if (Current.Kind == TokenKind.Operator && s_compareOperators.Contains(Current.Value))
                op = Current.Value;
            else if (Current.IsName("in"))
                op = "in";
            else if (Current.IsName("not") && PeekAhead(1).IsName("in"))
                op = "not in";
            else
                break;
            Next();
            if (op == "not in")
                Next();
            Deepen(start);
            rest.Add(new(op, ParseMath1()));
        }
        _depth -= rest.Count;
        return rest.Count == 0 ? first : new CompareExpr(first, rest, start.Line, start.Column);
    }

    private Expr ParseMath1() => ParseBinaryChain(ParseConcat, "+", "-");

    private Expr ParseConcat() => ParseBinaryChain(ParseMath2, "~");

    private Expr ParseMath2() => ParseBinaryChain(ParsePow, "*", "/", "//", "%");

    private Expr ParsePow() => ParseBinaryChain(() => ParseUnary(withFilter: true), "**");

    private Expr ParseBinaryChain(Func<Expr> operand, params string[] operators)
    {
        var left = operand();
        int saved = _depth;
        try
        {
            while (Current.Kind == TokenKind.Operator && Array.IndexOf(operators, Current.Value) >= 0)
            {
                var at = Next();
                Deepen(at);
                left = new BinaryExpr(at.Value, left, operand(), at.Line, at.Column);
            }
            return left;
        }
        finally
        {
            _depth = saved;
        }
    }

    private Expr ParseUnary(bool withFilter)
    {
        var at = Current;
        Expr node;
        if (at.IsOperator("-") || at.IsOperator("+"))
        {
            Next();
            using var _ = Nest(at);
            node = new UnaryExpr(at.Value, ParseUnary(withFilter: false), at.Line, at.Column);
        }
        else
        {
            node = ParsePostfix(ParsePrimary());
        }
        return withFilter ? ParseFilterChain(node) : node;
    }

    private Expr ParsePrimary()
    {
        var t = Current;
        switch (t.Kind)
        {
            case TokenKind.Name:
                Next();
                return t.Value switch
                {
                    "true" or "True" => new LiteralExpr(BoolValue.True, t.Line, t.Column),
                    "false" or "False" => new LiteralExpr(BoolValue.False, t.Line, t.Column),
                    "none" or "None" => new LiteralExpr(NoneValue.Instance, t.Line, t.Column),
                    _ => new NameExpr(t.Value, t.Line, t.Column),
                };
            case TokenKind.String:
                // Adjacent literals concatenate, as in Python.
                var text = new System.Text.StringBuilder();
                while (Current.Kind == TokenKind.String)
                    text.Append(Next().Value);
                return new LiteralExpr(StringValue.Trusted(text.ToString()), t.Line, t.Column);
            case TokenKind.Integer:
                Next();
                return new LiteralExpr(new IntValue(ParseInteger(t)), t.Line, t.Column);
            case TokenKind.Float:
                Next();
                return new LiteralExpr(new FloatValue(double.Parse(t.Value, NumberStyles.Float, CultureInfo.InvariantCulture)), t.Line, t.Column);
            case TokenKind.Operator when t.Value == "(":
                Next();
                using (Nest(t))
                {
                    if (Current.IsOperator(")"))
                    {
                        Next();
                        return new ListExpr([], IsTuple: true, t.Line, t.Column);
                    }
                    var inner = ParseTuple(allowConditional: true);
                    Expect(")", "')'");
                    return inner;
                }
            case TokenKind.Operator when t.Value == "[":
                Next();
                using (Nest(t))
                    return new ListExpr(ParseSequence("]"), IsTuple: false, t.Line, t.Column);
            case TokenKind.Operator when t.Value == "{":
                Next();
                using (Nest(t))
                    return ParseDict(t);
            default:
                throw Error($"unexpected {t.Describe()} in expression", t);
        }
    }

    private static long ParseInteger(Token t)
    {
        string s = t.Value.ToLowerInvariant();
        try
        {
            return s.Length > 1 && s[0] == '0' && s[1] is 'x' or 'o' or 'b'
                ? Convert.ToInt64(s[2..], s[1] switch { 'x' => 16, 'o' => 8, _ => 2 })
                : long.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is OverflowException or FormatException or ArgumentException)
        {
            throw Error($"integer literal '{t.Value}' is invalid or does not fit in 64 bits", t);
        }
    }

    private List<Expr> ParseSequence(string close)
    {
        var items = new List<Expr>();
        while (!Current.IsOperator(close))
        {
            if (items.Count > 0)
            {
                Expect(",", $"',' or '{close}'");
                if (Current.IsOperator(close))
                    break;
            }
            items.Add(ParseExpression());
        }
        Next();
        return items;
    }

    private DictExpr ParseDict(Token open)
    {
        var entries = new List<KeyValuePair<Expr, Expr>>();
        while (!Current.IsOperator("}"))
        {
            if (entries.Count > 0)
            {
                Expect(",", "',' or '}'");
                if (Current.IsOperator("}"))
                    break;
            }
            var key = ParseExpression();
            Expect(":", "':' in dict literal");
            entries.Add(new(key, ParseExpression()));
        }
        Next();
        return new DictExpr(entries, open.Line, open.Column);
    }

    private Expr ParsePostfix(Expr node)
    {
        int saved = _depth;
        try
        {
            while (true)
            {
                var t = Current;
                if (t.IsOperator("."))
                {
                    Next();
                    var attr = Next();
                    if (attr.Kind == TokenKind.Name)
                        node = new AttributeExpr(node, attr.Value, attr.Line, attr.Column);
                    else if (attr.Kind == TokenKind.Integer)
                        node = new ItemExpr(node, new LiteralExpr(new IntValue(ParseInteger(attr)), attr.Line, attr.Column), attr.Line, attr.Column);
                    else
                        throw Error($"expected an attribute name after '.', found {attr.Describe()}", attr);
                }
                else if (t.IsOperator("["))
                {
                    Next();
                    node = ParseSubscript(node, t);
                }
                else if (t.IsOperator("("))
                {
                    Next();
                    node = new CallExpr(node, ParseCallArguments(), node.Line, node.Column);
                }
                else
                {
                    return node;
                }
                Deepen(t);
            }
        }
        finally
        {
            _depth = saved;
        }
    }

    private Expr ParseSubscript(Expr target, Token open)
    {
        Expr? start = null;
        if (!Current.IsOperator(":"))
        {
            start = ParseExpression();
            if (Current.IsOperator("]"))
            {
                Next();
                return new ItemExpr(target, start, open.Line, open.Column);
            }
            if (!Current.IsOperator(":"))
                throw Error($"expected ']' or ':' in subscript, found {Current.Describe()}", Current);
        }
        Next(); // ':'
        Expr? stop = Current.IsOperator(":") || Current.IsOperator("]") ? null : ParseExpression();
        Expr? step = null;
        if (Current.IsOperator(":"))
        {
            Next();
            step = Current.IsOperator("]") ? null : ParseExpression();
        }
        Expect("]", "']'");
        return new SliceExpr(target, start, stop, step, open.Line, open.Column);
    }

    private Arguments ParseCallArguments()
    {
        var positional = new List<Expr>();
        var named = new List<KeyValuePair<string, Expr>>();
        Expr? spread = null, keywordSpread = null;
        bool first = true;
        while (!Current.IsOperator(")"))
        {
            if (!first)
            {
                Expect(",", "',' or ')'");
                if (Current.IsOperator(")"))
                    break;
            }
            first = false;
            if (Current.IsOperator("*") || Current.IsOperator("**"))
            {
                var star = Next();
                bool keywords = star.Value == "**";
                if ((keywords ? keywordSpread : spread) is not null)
                    throw Error($"only one '{star.Value}' argument is supported per call", star);
                var value = ParseExpression();
                if (keywords)
                    keywordSpread = value;
                else
                    spread = value;
                continue;
            }
            if (Current.Kind == TokenKind.Name && PeekAhead(1).IsOperator("="))
            {
                string name = Next().Value;
                Next();
                named.Add(new(name, ParseExpression()));
            }
            else
            {
                if (named.Count > 0)
                    throw Error("positional argument follows keyword argument", Current);
                positional.Add(ParseExpression());
            }
        }
        Next();
        return new Arguments(positional, named, spread, keywordSpread);
    }

    private Expr ParseFilterChain(Expr node)
    {
        int saved = _depth;
        try
        {
            while (true)
            {
                var t = Current;
                if (t.IsOperator("|"))
                {
                    Next();
                    var name = Next();
                    if (name.Kind != TokenKind.Name)
                        throw Error($"expected a filter name after '|', found {name.Describe()}", name);
                    if (!Filters.IsKnown(name.Value))
                        throw Error($"unsupported filter '{name.Value}'", name);
                    var args = Arguments.None;
                    if (Current.IsOperator("("))
                    {
                        Next();
                        args = ParseCallArguments();
                    }
                    node = new FilterExpr(node, name.Value, args, name.Line, name.Column);
                }
                else if (t.IsName("is"))
                {
                    Next();
                    node = ParseTest(node, t);
                }
                else if (t.IsOperator("("))
                {
                    Next();
                    node = new CallExpr(node, ParseCallArguments(), node.Line, node.Column);
                }
                else
                {
                    return node;
                }
                Deepen(t);
            }
        }
        finally
        {
            _depth = saved;
        }
    }

    private TestExpr ParseTest(Expr node, Token isToken)
    {
        bool negated = false;
        if (Current.IsName("not"))
        {
            Next();
            negated = true;
        }
        var name = Next();
        if (name.Kind != TokenKind.Name)
            throw Error($"expected a test name after 'is', found {name.Describe()}", name);
        if (!Tests.IsKnown(name.Value))
            throw Error($"unsupported test '{name.Value}'", name);
        var args = Arguments.None;
        var t = Current;
        if (t.IsOperator("("))
        {
            Next();
            args = ParseCallArguments();
        }
        else if ((t.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float || t.IsOperator("[") || t.IsOperator("{"))
                 && !(t.IsName("else") || t.IsName("or") || t.IsName("and") || t.IsName("if") || t.IsName("is") || t.IsName("in") || t.IsName("not")))
        {
            // `x is divisibleby 3`, `x is sameas none`: a single argument without parentheses.
            args = new Arguments([ParsePostfix(ParsePrimary())], []);
        }
        return new TestExpr(node, name.Value, args, negated, isToken.Line, isToken.Column);
    }

    private void Deepen(Token at)
    {
        if (++_depth > _maxDepth)
            throw Error($"expression nested deeper than {_maxDepth} levels", at);
    }
}
