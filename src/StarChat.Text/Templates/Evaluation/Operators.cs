using StarChat.Text.Templates.Values;

namespace StarChat.Text.Templates.Evaluation;

/// <summary>Python's binary operators over template values. <c>+</c> and <c>~</c> keep each character's trust.</summary>
internal static class Operators
{
    public static Value Binary(string op, Value a, Value b, RenderBudget budget)
    {
        if (op == "~")
        {
            var left = PythonFormat.Str(a);
            var right = PythonFormat.Str(b);
            budget.Charge((long)left.Length + right.Length);
            return new StringValue(left.Concat(right));
        }
        if (a is UndefinedValue ua)
            throw Undefined(ua);
        if (b is UndefinedValue ub)
            throw Undefined(ub);
        if (ValueEquality.TryNumber(a, out double da, out long la, out bool ia) && ValueEquality.TryNumber(b, out double db, out long lb, out bool ib))
            return ia && ib ? IntegerArithmetic(op, la, lb) : FloatArithmetic(op, da, db);
        switch (op, a, b)
        {
            case ("+", StringValue x, StringValue y):
                budget.Charge((long)x.Value.Length + y.Value.Length);
                return new StringValue(x.Value.Concat(y.Value));
            case ("+", ListValue x, ListValue y) when x.IsTuple == y.IsTuple:
                budget.Charge((long)x.Items.Count + y.Items.Count);
                return new ListValue([.. x.Items, .. y.Items], x.IsTuple);
            case ("*", StringValue s, IntValue n):
                return Repeat(s, n.Value, budget);
            case ("*", IntValue n, StringValue s):
                return Repeat(s, n.Value, budget);
            case ("*", ListValue l, IntValue n):
                return RepeatList(l, n.Value, budget);
            case ("*", IntValue n, ListValue l):
                return RepeatList(l, n.Value, budget);
            case ("%", StringValue, _):
                throw new TemplateRuntimeException("printf-style string formatting ('...' % args) is not supported");
        }
        throw new TemplateRuntimeException($"unsupported operand type(s) for {op}: '{a.TypeName}' and '{b.TypeName}'");
    }

    public static Value Negate(Value v) => v switch
    {
        IntValue i when i.Value != long.MinValue => new IntValue(-i.Value),
        BoolValue b => new IntValue(b.Value ? -1 : 0),
        FloatValue f => new FloatValue(-f.Value),
        UndefinedValue u => throw Undefined(u),
        _ => throw new TemplateRuntimeException($"bad operand type for unary -: '{v.TypeName}'"),
    };

    public static Value Plus(Value v) => v switch
    {
        IntValue or FloatValue => v,
        BoolValue b => new IntValue(b.Value ? 1 : 0),
        UndefinedValue u => throw Undefined(u),
        _ => throw new TemplateRuntimeException($"bad operand type for unary +: '{v.TypeName}'"),
    };

    /// <summary><c>item in container</c>.</summary>
    public static bool Contains(Value container, Value item) => container switch
    {
        StringValue s when item is StringValue sub => s.Text.Contains(sub.Text, StringComparison.Ordinal),
        StringValue => throw new TemplateRuntimeException($"'in <string>' requires string as left operand, not {item.TypeName}"),
        ListValue l => l.Items.Any(x => ValueEquality.AreEqual(x, item)),
        DictValue d => d.ContainsKey(item),
        NamespaceValue n => item is StringValue key && n.Attributes.ContainsKey(key.Text),
        UndefinedValue => false,
        _ => throw new TemplateRuntimeException($"argument of type '{container.TypeName}' is not iterable"),
    };

    public static TemplateRuntimeException Undefined(UndefinedValue u) =>
        new(u.Name is null ? "an undefined value was used in an operation" : $"'{u.Name}' is undefined");

    private static Value IntegerArithmetic(string op, long a, long b)
    {
        try
        {
            return op switch
            {
                "+" => new IntValue(checked(a + b)),
                "-" => new IntValue(checked(a - b)),
                "*" => new IntValue(checked(a * b)),
                "/" => b == 0 ? throw DivisionByZero() : new FloatValue((double)a / b),
                "//" => b == 0 ? throw DivisionByZero() : new IntValue(FloorDiv(a, b)),
                "%" => b == 0 ? throw DivisionByZero() : new IntValue(a - b * FloorDiv(a, b)),
                "**" => b < 0 ? new FloatValue(Math.Pow(a, b)) : new IntValue(IntPow(a, b)),
                _ => throw new TemplateRuntimeException($"unknown operator '{op}'"),
            };
        }
        catch (OverflowException)
        {
            throw new TemplateRuntimeException($"integer overflow in '{op}' (values beyond 64 bits are not supported)");
        }
    }

    private static FloatValue FloatArithmetic(string op, double a, double b) => op switch
    {
        "+" => new(a + b),
        "-" => new(a - b),
        "*" => new(a * b),
        "/" => b == 0 ? throw DivisionByZero() : new(a / b),
        "//" => b == 0 ? throw DivisionByZero() : new(Math.Floor(a / b)),
        // Python: the result takes the sign of the divisor.
        "%" => b == 0 ? throw DivisionByZero() : new(a - b * Math.Floor(a / b)),
        "**" => new(Math.Pow(a, b)),
        _ => throw new TemplateRuntimeException($"unknown operator '{op}'"),
    };

    private static long FloorDiv(long a, long b)
    {
        long q = checked(a / b);
        return (a % b != 0) && ((a < 0) != (b < 0)) ? q - 1 : q;
    }

    private static long IntPow(long x, long n)
    {
        long result = 1;
        while (n > 0)
        {
            if ((n & 1) != 0)
                result = checked(result * x);
            n >>= 1;
            if (n > 0)
                x = checked(x * x);
        }
        return result;
    }

    private static StringValue Repeat(StringValue s, long n, RenderBudget budget)
    {
        if (n <= 0 || s.Value.Length == 0)
            return StringValue.Empty;
        budget.Charge(s.Value.Length * Math.Min(n, int.MaxValue));
        var b = new TemplateStringBuilder();
        for (long i = 0; i < n; i++)
            b.Append(s.Value);
        return new StringValue(b.Build());
    }

    private static ListValue RepeatList(ListValue l, long n, RenderBudget budget)
    {
        if (n <= 0 || l.Items.Count == 0)
            return new ListValue([], l.IsTuple);
        budget.Charge(l.Items.Count * Math.Min(n, int.MaxValue));
        var items = new List<Value>();
        for (long i = 0; i < n; i++)
            items.AddRange(l.Items);
        return new ListValue(items, l.IsTuple);
    }

    private static TemplateRuntimeException DivisionByZero() => new("division by zero");
}
