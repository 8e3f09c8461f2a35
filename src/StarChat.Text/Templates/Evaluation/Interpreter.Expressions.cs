using System.Runtime.CompilerServices;
using StarChat.Text.Templates.Parsing;
using StarChat.Text.Templates.Values;

namespace StarChat.Text.Templates.Evaluation;

internal sealed partial class Interpreter
{
    private Value Evaluate(Expr e)
    {
        try
        {
            budget.Step();
            // Depth limits keep ordinary templates far from the end of the stack; this catches whatever combination
            // of macro recursion and nesting still gets close, on however small a thread stack we run.
            RuntimeHelpers.EnsureSufficientExecutionStack();
            var value = EvaluateCore(e);
            // Every value costs work in proportion to its size, so no loop can churn large strings for free.
            if (value is StringValue { Value.Length: > 64 } s)
                budget.Charge(s.Value.Length);
            else if (value is ListValue { Items.Count: > 64 } l)
                budget.Charge(l.Items.Count);
            return value;
        }
        catch (TemplateRuntimeException ex)
        {
            throw Positioned(ex, e.Line, e.Column);
        }
    }

    private Value EvaluateCore(Expr e) => e switch
    {
        LiteralExpr literal => literal.Value,
        NameExpr name => _scope.TryGet(name.Name, out var v) ? v : new UndefinedValue(name.Name),
        AttributeExpr attribute => Access.GetAttribute(Evaluate(attribute.Target), attribute.Attribute, () => Describe(attribute)),
        ItemExpr item => Access.GetItem(Evaluate(item.Target), Evaluate(item.Key), () => Describe(item)),
        SliceExpr slice => Access.Slice(Evaluate(slice.Target), EvaluateOptional(slice.Start), EvaluateOptional(slice.Stop), EvaluateOptional(slice.Step)),
        CallExpr call => Call(call),
        FilterExpr filter => Filters.Apply(filter.Name, Evaluate(filter.Input), Arguments(filter.Name, filter.Arguments)),
        TestExpr test => BoolValue.Of(Tests.Apply(test.Name, Evaluate(test.Input), Arguments(test.Name, test.Arguments)) != test.Negated),
        BinaryExpr binary => Operators.Binary(binary.Operator, Evaluate(binary.Left), Evaluate(binary.Right), budget),
        LogicalExpr logical => Logical(logical),
        UnaryExpr unary => unary.Operator switch
        {
            "not" => BoolValue.Of(!Evaluate(unary.Operand).IsTruthy),
            "-" => Operators.Negate(Evaluate(unary.Operand)),
            _ => Operators.Plus(Evaluate(unary.Operand)),
        },
        CompareExpr compare => Compare(compare),
        ConditionalExpr conditional => Evaluate(conditional.Test).IsTruthy
            ? Evaluate(conditional.Then)
            : conditional.Otherwise is null ? new UndefinedValue("<conditional without else>") : Evaluate(conditional.Otherwise),
        ListExpr list => new ListValue([.. list.Items.Select(Evaluate)], list.IsTuple),
        DictExpr dict => Dict(dict),
        _ => throw new TemplateRuntimeException($"internal: unknown expression {e.GetType().Name}"),
    };

    private Value? EvaluateOptional(Expr? e) => e is null ? null : Evaluate(e);

    private Value Logical(LogicalExpr logical)
    {
        var left = Evaluate(logical.Left);
        // Python returns the deciding operand, not a bool.
        return logical.IsAnd == left.IsTruthy ? Evaluate(logical.Right) : left;
    }

    private BoolValue Compare(CompareExpr compare)
    {
        var left = Evaluate(compare.First);
        foreach (var (op, rightExpr) in compare.Rest)
        {
            var right = Evaluate(rightExpr);
            bool holds = op switch
            {
                "==" => ValueEquality.AreEqual(left, right),
                "!=" => !ValueEquality.AreEqual(left, right),
                "in" => Operators.Contains(right, left),
                "not in" => !Operators.Contains(right, left),
                "<" => ValueEquality.Compare(left, right, op) < 0,
                "<=" => ValueEquality.Compare(left, right, op) <= 0,
                ">" => ValueEquality.Compare(left, right, op) > 0,
                _ => ValueEquality.Compare(left, right, op) >= 0,
            };
            if (!holds)
                return BoolValue.False;
            left = right;
        }
        return BoolValue.True;
    }

    private DictValue Dict(DictExpr dict)
    {
        var result = new DictValue();
        foreach (var (key, value) in dict.Entries)
            result.Set(Evaluate(key), Evaluate(value));
        return result;
    }

    private Value Call(CallExpr call)
    {
        Value callee;
        if (call.Callee is AttributeExpr method)
        {
            var target = Evaluate(method.Target);
            callee = Access.GetAttribute(target, method.Attribute, () => Describe(method));
            if (callee is not FunctionValue)
            {
                throw new TemplateRuntimeException(target is UndefinedValue u
                    ? $"cannot call '{method.Attribute}()' on '{u.Name ?? "undefined"}', which is undefined"
                    : $"'{target.TypeName}' object has no supported method '{method.Attribute}'");
            }
        }
        else
        {
            callee = Evaluate(call.Callee);
        }
        return callee switch
        {
            FunctionValue f => f.Invoke(Arguments(f.Name, call.Arguments)),
            UndefinedValue u => throw new TemplateRuntimeException($"'{u.Name ?? "undefined"}' is undefined and cannot be called (not a supported function)"),
            _ => throw new TemplateRuntimeException($"'{callee.TypeName}' object is not callable"),
        };
    }

    private CallArguments Arguments(string callee, Arguments arguments)
    {
        if (arguments.Positional.Count == 0 && arguments.Named.Count == 0 && arguments.Spread is null && arguments.KeywordSpread is null)
            return new CallArguments(callee, [], budget);
        var positional = arguments.Positional.Select(Evaluate).ToList();
        if (arguments.Spread is not null)
            positional.AddRange(Access.Iterate(Evaluate(arguments.Spread)));
        var named = new Dictionary<string, Value>(StringComparer.Ordinal);
        void AddNamed(string name, Value value)
        {
            if (!named.TryAdd(name, value))
                throw new TemplateRuntimeException($"{callee}() got multiple values for keyword argument '{name}'");
        }
        foreach (var (name, expr) in arguments.Named)
            AddNamed(name, Evaluate(expr));
        if (arguments.KeywordSpread is not null)
        {
            if (Evaluate(arguments.KeywordSpread) is not DictValue spread)
                throw new TemplateRuntimeException($"{callee}() argument after ** must be a mapping");
            foreach (var (key, value) in spread.Entries)
                AddNamed(key is StringValue s ? s.Text : throw new TemplateRuntimeException($"{callee}() keywords must be strings"), value);
        }
        return new CallArguments(callee, positional, named, budget);
    }

    /// <summary>Source-like text for an expression, naming what was undefined in messages.</summary>
    private static string Describe(Expr e) => e switch
    {
        NameExpr n => n.Name,
        AttributeExpr a => $"{Describe(a.Target)}.{a.Attribute}",
        ItemExpr { Key: LiteralExpr k } i => $"{Describe(i.Target)}[{PythonFormat.Repr(k.Value)}]",
        ItemExpr i => $"{Describe(i.Target)}[...]",
        CallExpr c => $"{Describe(c.Callee)}(...)",
        _ => "<expression>",
    };
}
