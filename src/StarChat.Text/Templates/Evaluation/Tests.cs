using StarChat.Text.Templates.Values;

namespace StarChat.Text.Templates.Evaluation;

/// <summary>Jinja's tests (<c>x is defined</c>, <c>x is string</c>, ...), also usable by <c>select</c>/<c>selectattr</c>.</summary>
internal static class Tests
{
    private static readonly Dictionary<string, Func<Value, CallArguments, bool>> s_tests = new(StringComparer.Ordinal)
    {
        ["defined"] = (v, _) => v is not UndefinedValue,
        ["undefined"] = (v, _) => v is UndefinedValue,
        ["none"] = (v, _) => v is NoneValue,
        ["boolean"] = (v, _) => v is BoolValue,
        ["true"] = (v, _) => v is BoolValue { Value: true },
        ["false"] = (v, _) => v is BoolValue { Value: false },
        ["string"] = (v, _) => v is StringValue,
        ["number"] = (v, _) => v is IntValue or FloatValue or BoolValue,
        ["integer"] = (v, _) => v is IntValue,
        ["float"] = (v, _) => v is FloatValue,
        ["mapping"] = (v, _) => v is DictValue,
        ["sequence"] = (v, _) => v is ListValue or StringValue or DictValue,
        ["iterable"] = (v, _) => v is ListValue or StringValue or DictValue,
        ["callable"] = (v, _) => v is FunctionValue,
        ["odd"] = (v, _) => Integer(v, "odd") % 2 != 0,
        ["even"] = (v, _) => Integer(v, "even") % 2 == 0,
        ["divisibleby"] = (v, a) => Integer(a.Required(0, "num"), "divisibleby") is var n && n != 0
            ? Integer(v, "divisibleby") % n == 0
            : throw new TemplateRuntimeException("divisibleby 0"),
        ["lower"] = (v, _) => v is StringValue s && string.Equals(s.Text, s.Text.ToLowerInvariant(), StringComparison.Ordinal),
        ["upper"] = (v, _) => v is StringValue s && string.Equals(s.Text, s.Text.ToUpperInvariant(), StringComparison.Ordinal),
        ["sameas"] = (v, a) => SameAs(v, a.Required(0, "other")),
        ["in"] = (v, a) => Operators.Contains(a.Required(0, "seq"), v),
        ["eq"] = Equal, ["equalto"] = Equal, ["=="] = Equal,
        ["ne"] = (v, a) => !Equal(v, a), ["!="] = (v, a) => !Equal(v, a),
        ["lt"] = (v, a) => Order(v, a, "<") < 0, ["lessthan"] = (v, a) => Order(v, a, "<") < 0, ["<"] = (v, a) => Order(v, a, "<") < 0,
        ["le"] = (v, a) => Order(v, a, "<=") <= 0, ["<="] = (v, a) => Order(v, a, "<=") <= 0,
        ["gt"] = (v, a) => Order(v, a, ">") > 0, ["greaterthan"] = (v, a) => Order(v, a, ">") > 0, [">"] = (v, a) => Order(v, a, ">") > 0,
        ["ge"] = (v, a) => Order(v, a, ">=") >= 0, [">="] = (v, a) => Order(v, a, ">=") >= 0,
    };

    public static bool IsKnown(string name) => s_tests.ContainsKey(name);

    public static bool Apply(string name, Value v, CallArguments args) =>
        s_tests.TryGetValue(name, out var test) ? test(v, args) : throw new TemplateRuntimeException($"unsupported test '{name}'");

    private static bool Equal(Value v, CallArguments a) => ValueEquality.AreEqual(v, a.Required(0, "other"));

    private static int Order(Value v, CallArguments a, string op) => ValueEquality.Compare(v, a.Required(0, "other"), op);

    /// <summary>Python's <c>is</c>: identity for containers, value identity for the singletons and small scalars.</summary>
    private static bool SameAs(Value v, Value other) => (v, other) switch
    {
        (NoneValue, NoneValue) => true,
        (BoolValue x, BoolValue y) => x.Value == y.Value,
        (IntValue x, IntValue y) => x.Value == y.Value,
        (StringValue x, StringValue y) => x.Text == y.Text,
        _ => ReferenceEquals(v, other),
    };

    private static long Integer(Value v, string test) => v switch
    {
        IntValue i => i.Value,
        BoolValue b => b.Value ? 1 : 0,
        _ => throw new TemplateRuntimeException($"test '{test}' needs an integer, not {v.TypeName}"),
    };
}
