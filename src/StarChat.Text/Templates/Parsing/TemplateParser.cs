using StarChat.Text.Templates.Lexing;

namespace StarChat.Text.Templates.Parsing;

/// <summary>
/// Recursive-descent parser from tokens to statements. Supported tags: <c>if/elif/else</c>, <c>for</c> (with
/// <c>if</c> filter and <c>else</c>), <c>set</c> (plain, tuple, <c>ns.attr</c>, block), <c>break</c>,
/// <c>continue</c>, <c>generation</c>, <c>raw</c>. Anything else fails here, naming the construct and its position.
/// </summary>
internal sealed partial class TemplateParser
{
    private static readonly HashSet<string> s_unsupportedTags = new(StringComparer.Ordinal)
    {
        "include", "import", "from", "extends", "block", "filter", "with", "autoescape", "do", "print",
        "trans", "pluralize",
    };

    private readonly List<Token> _tokens;
    private readonly int _maxDepth;
    private int _index;
    private int _depth;
    private int _loopDepth;

    private TemplateParser(List<Token> tokens, int maxDepth)
    {
        _tokens = tokens;
        _maxDepth = maxDepth;
    }

    /// <exception cref="TemplateException">A syntax error or unsupported construct, with its line and column.</exception>
    public static IReadOnlyList<Stmt> Parse(string source, ChatTemplateOptions options)
    {
        var parser = new TemplateParser(TemplateLexer.Tokenize(source, options), options.MaxNestingDepth);
        var body = parser.ParseBody(opener: null, out _);
        return body;
    }

    private Token Current => _tokens[_index];

    private Token Next()
    {
        var t = _tokens[_index];
        if (t.Kind != TokenKind.End)
            _index++;
        return t;
    }

    private Token PeekAhead(int n) => _tokens[Math.Min(_index + n, _tokens.Count - 1)];

    /// <summary>Parses statements until a block tag named in <paramref name="opener"/>'s end tags; stops on its name.</summary>
    private List<Stmt> ParseBody(BlockOpener? opener, out string? endTag)
    {
        var body = new List<Stmt>();
        while (true)
        {
            var t = Current;
            switch (t.Kind)
            {
                case TokenKind.Text:
                    Next();
                    body.Add(new TextStmt(t.Value, t.Line, t.Column));
                    break;
                case TokenKind.VariableBegin:
                    Next();
                    if (Current.Kind == TokenKind.VariableEnd)
                        throw Error("empty expression in '{{ }}'", Current);
                    var value = ParseTuple(allowConditional: true);
                    Expect(TokenKind.VariableEnd, "'}}'");
                    body.Add(new OutputStmt(value, t.Line, t.Column));
                    break;
                case TokenKind.BlockBegin:
                    Next();
                    var name = Current;
                    if (name.Kind != TokenKind.Name)
                        throw Error($"expected a tag name after '{{%', found {name.Describe()}", name);
                    if (opener is not null && opener.EndTags.Contains(name.Value))
                    {
                        endTag = name.Value;
                        return body;
                    }
                    using (Nest(name))
                        body.Add(ParseStatement(name, opener));
                    break;
                case TokenKind.End:
                    if (opener is not null)
                        throw Error($"unclosed '{{% {opener.Tag} %}}' opened at line {opener.Token.Line}, column {opener.Token.Column}: expected {string.Join(" or ", opener.EndTags.Select(e => $"'{{% {e} %}}'"))}", t);
                    endTag = null;
                    return body;
                default:
                    throw Error($"unexpected {t.Describe()}", t);
            }
        }
    }

    private Stmt ParseStatement(Token name, BlockOpener? enclosing)
    {
        switch (name.Value)
        {
            case "if": return ParseIf(name);
            case "for": return ParseFor(name);
            case "set": return ParseSet(name);
            case "break" or "continue":
                Next();
                if (_loopDepth == 0)
                    throw Error($"'{{% {name.Value} %}}' outside a for loop", name);
                ExpectBlockEnd();
                return name.Value == "break" ? new BreakStmt(name.Line, name.Column) : new ContinueStmt(name.Line, name.Column);
            case "macro":
                return ParseMacro(name);
            case "call":
                return ParseCallBlock(name);
            case "generation":
                Next();
                ExpectBlockEnd();
                var body = ParseBody(new BlockOpener("generation", name, ["endgeneration"]), out _);
                Next();
                ExpectBlockEnd();
                return new BlockStmt(body, name.Line, name.Column);
        }
        if (s_unsupportedTags.Contains(name.Value))
            throw Error($"'{{% {name.Value} %}}' is not supported by this chat template engine (supported tags: if, for, set, macro, call, break, continue, generation, raw)", name);
        if (name.Value.StartsWith("end", StringComparison.Ordinal) || name.Value is "elif" or "else")
        {
            string where = enclosing is null ? "at top level" : $"inside '{{% {enclosing.Tag} %}}' opened at line {enclosing.Token.Line}";
            throw Error($"unexpected '{{% {name.Value} %}}' {where}", name);
        }
        throw Error($"unknown tag '{name.Value}'", name);
    }

    private IfStmt ParseIf(Token tag)
    {
        var branches = new List<IfBranch>();
        var opener = new BlockOpener("if", tag, ["elif", "else", "endif"]);
        Next();
        while (true)
        {
            var test = ParseTuple(allowConditional: false);
            ExpectBlockEnd();
            var body = ParseBody(opener, out string? end);
            branches.Add(new IfBranch(test, body));
            Next();
            if (end == "elif")
                continue;
            List<Stmt> otherwise = [];
            if (end == "else")
            {
                ExpectBlockEnd();
                otherwise = ParseBody(new BlockOpener("if", tag, ["endif"]), out _);
                Next();
            }
            ExpectBlockEnd();
            return new IfStmt(branches, otherwise, tag.Line, tag.Column);
        }
    }

    private ForStmt ParseFor(Token tag)
    {
        Next();
        var target = ParseAssignTarget(allowNamespace: false);
        if (!Current.IsName("in"))
            throw Error($"expected 'in' in for loop, found {Current.Describe()}", Current);
        Next();
        var iterable = ParseTuple(allowConditional: false);
        Expr? filter = null;
        if (Current.IsName("if"))
        {
            Next();
            filter = ParseExpression();
        }
        if (Current.IsName("recursive"))
            throw Error("recursive for loops are not supported", Current);
        ExpectBlockEnd();
        _loopDepth++;
        var body = ParseBody(new BlockOpener("for", tag, ["endfor", "else"]), out string? end);
        _loopDepth--;
        Next();
        ExpectBlockEnd();
        List<Stmt> otherwise = [];
        if (end == "else")
        {
            otherwise = ParseBody(new BlockOpener("for", tag, ["endfor"]), out _);
            Next();
            ExpectBlockEnd();
        }
        return new ForStmt(target, iterable, filter, body, otherwise, tag.Line, tag.Column);
    }

    private MacroStmt ParseMacro(Token tag)
    {
        Next();
        var name = Current;
        if (name.Kind != TokenKind.Name)
            throw Error($"expected a macro name, found {name.Describe()}", name);
        Next();
        Expect("(", "'(' after the macro name");
        var parameters = ParseMacroParameters(name);
        ExpectBlockEnd();
        var body = ParseDetachedBody(new BlockOpener("macro", tag, ["endmacro"]));
        return new MacroStmt(name.Value, parameters, body, tag.Line, tag.Column);
    }

    private CallBlockStmt ParseCallBlock(Token tag)
    {
        Next();
        List<MacroParameter> parameters = [];
        if (Current.IsOperator("("))
        {
            Next();
            parameters = ParseMacroParameters(tag);
        }
        var call = ParseExpression() as CallExpr
            ?? throw Error("'{% call %}' needs a macro call, such as '{% call m(x) %}'", tag);
        ExpectBlockEnd();
        var body = ParseDetachedBody(new BlockOpener("call", tag, ["endcall"]));
        return new CallBlockStmt(call, parameters, body, tag.Line, tag.Column);
    }

    /// <summary>A macro or caller body: break/continue cannot reach a loop outside it.</summary>
    private List<Stmt> ParseDetachedBody(BlockOpener opener)
    {
        int loops = _loopDepth;
        _loopDepth = 0;
        var body = ParseBody(opener, out _);
        _loopDepth = loops;
        Next();
        ExpectBlockEnd();
        return body;
    }

    /// <summary>Parameters up to and including ')'.</summary>
    private List<MacroParameter> ParseMacroParameters(Token at)
    {
        var parameters = new List<MacroParameter>();
        while (!Current.IsOperator(")"))
        {
            if (parameters.Count > 0)
                Expect(",", "',' or ')'");
            string parameter = ExpectTargetName();
            Expr? defaultValue = null;
            if (Current.IsOperator("="))
            {
                Next();
                defaultValue = ParseExpression();
            }
            else if (parameters.Count > 0 && parameters[^1].Default is not null)
            {
                throw Error($"macro parameter '{parameter}' without a default follows one with a default", at);
            }
            parameters.Add(new MacroParameter(parameter, defaultValue));
        }
        Next();
        return parameters;
    }

    private Stmt ParseSet(Token tag)
    {
        Next();
        var target = ParseAssignTarget(allowNamespace: true);
        if (Current.IsOperator("="))
        {
            Next();
            var value = ParseTuple(allowConditional: true);
            ExpectBlockEnd();
            return new SetStmt(target, value, tag.Line, tag.Column);
        }
        if (Current.IsOperator("|"))
            throw Error("filters on a block '{% set %}' are not supported", Current);
        ExpectBlockEnd();
        var body = ParseBody(new BlockOpener("set", tag, ["endset"]), out _);
        Next();
        ExpectBlockEnd();
        return new SetBlockStmt(target, body, tag.Line, tag.Column);
    }

    private AssignTarget ParseAssignTarget(bool allowNamespace)
    {
        if (allowNamespace && Current.Kind == TokenKind.Name && PeekAhead(1).IsOperator("."))
        {
            string ns = Next().Value;
            Next();
            var attr = Current;
            if (attr.Kind != TokenKind.Name)
                throw Error($"expected an attribute name after '{ns}.', found {attr.Describe()}", attr);
            Next();
            return new NamespaceTarget(ns, attr.Value);
        }
        bool parenthesized = Current.IsOperator("(");
        if (parenthesized)
            Next();
        var names = new List<string> { ExpectTargetName() };
        bool isTuple = false;
        while (Current.IsOperator(","))
        {
            Next();
            isTuple = true;
            if (Current.Kind != TokenKind.Name || Current.IsName("in"))
                break;
            names.Add(ExpectTargetName());
        }
        if (parenthesized)
            Expect(")", "')'");
        return isTuple || parenthesized && names.Count > 1 ? new TupleTarget(names) : new NameTarget(names[0]);
    }

    private string ExpectTargetName()
    {
        var t = Current;
        if (t.Kind != TokenKind.Name || t.Value is "true" or "false" or "none" or "True" or "False" or "None" or "in")
            throw Error($"cannot assign to {t.Describe()}", t);
        Next();
        return t.Value;
    }

    private void ExpectBlockEnd() => Expect(TokenKind.BlockEnd, "'%}'");

    private void Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind)
            throw Error($"expected {what}, found {Current.Describe()}", Current);
        Next();
    }

    private void Expect(string op, string what)
    {
        if (!Current.IsOperator(op))
            throw Error($"expected {what}, found {Current.Describe()}", Current);
        Next();
    }

    private NestingScope Nest(Token at)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        if (++_depth > _maxDepth)
            throw Error($"template nested deeper than {_maxDepth} levels", at);
        return new NestingScope(this);
    }

    private static TemplateException Error(string reason, Token at) => new(reason, at.Line, at.Column);

    private sealed record BlockOpener(string Tag, Token Token, string[] EndTags);

    private readonly struct NestingScope(TemplateParser parser) : IDisposable
    {
        public void Dispose() => parser._depth--;
    }
}
