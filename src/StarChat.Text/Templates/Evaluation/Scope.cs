using StarChat.Text.Templates.Values;

namespace StarChat.Text.Templates.Evaluation;

/// <summary>
/// A variable frame. The root holds globals and the render variables; each for-loop iteration gets a child, so a
/// <c>set</c> inside a loop does not leak out (that is what <c>namespace()</c> is for), as in Jinja.
/// </summary>
/// <remarks>Loop frames hold two or three names, so a short list searched linearly beats a dictionary per iteration.</remarks>
internal sealed class Scope(Scope? parent)
{
    private List<KeyValuePair<string, Value>>? _variables;

    public Scope? Parent { get; } = parent;

    public bool TryGet(string name, out Value value)
    {
        for (var s = this; s is not null; s = s.Parent)
        {
            if (s._variables is { } vars)
            {
                for (int i = vars.Count - 1; i >= 0; i--)
                {
                    if (string.Equals(vars[i].Key, name, StringComparison.Ordinal))
                    {
                        value = vars[i].Value;
                        return true;
                    }
                }
            }
        }
        value = UndefinedValue.Anonymous;
        return false;
    }

    public void Set(string name, Value value)
    {
        _variables ??= new List<KeyValuePair<string, Value>>(2);
        for (int i = 0; i < _variables.Count; i++)
        {
            if (string.Equals(_variables[i].Key, name, StringComparison.Ordinal))
            {
                _variables[i] = new(name, value);
                return;
            }
        }
        _variables.Add(new(name, value));
    }
}
