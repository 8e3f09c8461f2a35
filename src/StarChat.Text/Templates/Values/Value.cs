namespace StarChat.Text.Templates.Values;

/// <summary>
/// A value inside a template. Templates are data from model files, so they only ever see this closed value model
/// (Python's str, int, float, bool, None, list, tuple, dict plus Jinja's undefined and namespace), never .NET objects.
/// </summary>
internal abstract class Value
{
    /// <summary>The Python type name, used in error messages.</summary>
    public abstract string TypeName { get; }

    /// <summary>Python truthiness.</summary>
    public virtual bool IsTruthy => true;
}

/// <summary>
/// Jinja's lenient undefined: renders as empty, is falsy, iterates as empty, and any attribute or item of it is
/// again undefined. Arithmetic on it is an error, as in Jinja.
/// </summary>
internal sealed class UndefinedValue : Value
{
    private Func<string>? _describe;
    private string? _name;

    public UndefinedValue(string? name) => _name = name;

    /// <summary>Names itself only if a message needs it: describing an expression costs more than the lookup.</summary>
    public UndefinedValue(Func<string> describe) => _describe = describe;

    public static UndefinedValue Anonymous { get; } = new((string?)null);

    /// <summary>The expression that produced it (for messages), e.g. <c>messages[0]</c>.</summary>
    public string? Name
    {
        get
        {
            if (_describe is not null)
            {
                _name = _describe();
                _describe = null;
            }
            return _name;
        }
    }

    public override string TypeName => "undefined";

    public override bool IsTruthy => false;
}

internal sealed class NoneValue : Value
{
    public static NoneValue Instance { get; } = new();

    private NoneValue()
    {
    }

    public override string TypeName => "NoneType";

    public override bool IsTruthy => false;
}

internal sealed class BoolValue : Value
{
    public static BoolValue True { get; } = new(true);

    public static BoolValue False { get; } = new(false);

    private BoolValue(bool value) => Value = value;

    public bool Value { get; }

    public static BoolValue Of(bool value) => value ? True : False;

    public override string TypeName => "bool";

    public override bool IsTruthy => Value;
}

internal sealed class IntValue(long value) : Value
{
    public long Value { get; } = value;

    public override string TypeName => "int";

    public override bool IsTruthy => Value != 0;
}

internal sealed class FloatValue(double value) : Value
{
    public double Value { get; } = value;

    public override string TypeName => "float";

    public override bool IsTruthy => Value != 0;
}

internal sealed class StringValue(TemplateString value) : Value
{
    public static StringValue Empty { get; } = new(TemplateString.Empty);

    public TemplateString Value { get; } = value;

    public string Text => Value.Text;

    public static StringValue Trusted(string text) => new(TemplateString.Trusted(text));

    public static StringValue Untrusted(string text) => new(TemplateString.Untrusted(text));

    public override string TypeName => "str";

    public override bool IsTruthy => Value.Length > 0;
}

/// <summary>A list, or a tuple when <see cref="IsTuple"/>. Immutable, like lists in Hugging Face's sandbox.</summary>
internal sealed class ListValue(IReadOnlyList<Value> items, bool isTuple = false) : Value
{
    public static ListValue Empty { get; } = new([]);

    public IReadOnlyList<Value> Items { get; } = items;

    public bool IsTuple { get; } = isTuple;

    public override string TypeName => IsTuple ? "tuple" : "list";

    public override bool IsTruthy => Items.Count > 0;
}

/// <summary>An insertion-ordered dict, immutable once built.</summary>
internal sealed class DictValue : Value
{
    private readonly Dictionary<Value, int> _index = new(ValueKeyComparer.Instance);
    private readonly Dictionary<string, int> _stringKeys = new(StringComparer.Ordinal);
    private readonly List<KeyValuePair<Value, Value>> _entries = [];

    public static DictValue Empty { get; } = new();

    public IReadOnlyList<KeyValuePair<Value, Value>> Entries => _entries;

    public int Count => _entries.Count;

    public override string TypeName => "dict";

    public override bool IsTruthy => _entries.Count > 0;

    /// <summary>Adds or replaces a key while the dict is being built.</summary>
    public void Set(Value key, Value value)
    {
        ValueKeyComparer.EnsureHashable(key);
        if (_index.TryGetValue(key, out int i))
        {
            _entries[i] = new(_entries[i].Key, value);
        }
        else
        {
            _index[key] = _entries.Count;
            if (key is StringValue s)
                _stringKeys[s.Text] = _entries.Count;
            _entries.Add(new(key, value));
        }
    }

    public void Set(string key, Value value) => Set(StringValue.Trusted(key), value);

    public bool TryGet(Value key, out Value value)
    {
        if (ValueKeyComparer.IsHashable(key) && _index.TryGetValue(key, out int i))
        {
            value = _entries[i].Value;
            return true;
        }
        value = UndefinedValue.Anonymous;
        return false;
    }

    /// <summary>Looks up a string key without building a value for it (attribute access).</summary>
    public bool TryGet(string key, out Value value)
    {
        if (_stringKeys.TryGetValue(key, out int i))
        {
            value = _entries[i].Value;
            return true;
        }
        value = UndefinedValue.Anonymous;
        return false;
    }

    public bool ContainsKey(Value key) => ValueKeyComparer.IsHashable(key) && _index.ContainsKey(key);
}

/// <summary>Jinja's <c>namespace()</c>: the one mutable object, so loops can carry state out of their scope.</summary>
internal sealed class NamespaceValue : Value
{
    public Dictionary<string, Value> Attributes { get; } = new(StringComparer.Ordinal);

    public override string TypeName => "Namespace";
}

/// <summary>A built-in function or a method bound to its receiver.</summary>
internal sealed class FunctionValue(string name, Func<CallArguments, Value> invoke) : Value
{
    public string Name { get; } = name;

    public Func<CallArguments, Value> Invoke { get; } = invoke;

    public override string TypeName => "function";
}
