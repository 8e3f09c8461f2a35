using StarChat.Text.Templates.Values;

namespace StarChat.Text.Templates.Evaluation;

/// <summary>
/// A variable frame. The root holds globals and the render variables; each for-loop iteration gets a child, so a
/// <c>set</c> inside a loop does not leak out (that is what <c>namespace()</c> is for), as in Jinja.
/// </summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, Value> _variables = new(StringComparer.Ordinal);

    public Scope? Parent { get; } = parent;

    public bool TryGet(string name, out Value value)
    {
        for (var s = this; s is not null; s = s.Parent)
        {
            if (s._variables.TryGetValue(name, out value!))
                return true;
        }
        value = UndefinedValue.Anonymous;
        return false;
    }

    public void Set(string name, Value value) => _variables[name] = value;
}
