namespace StarChat.Engine.Tensors;

/// <summary>
/// Where a model's tensors come from. The model asks for tensors by their canonical Hugging Face name
/// (e.g. <c>transformer.h.3.attn.c_attn.weight</c>); each file format maps its own names to those.
/// Disposing the source releases the mapped files, after which its views must not be used.
/// </summary>
public interface IWeightSource : IDisposable
{
    /// <summary>A short description of where the weights come from (a path), used in error messages.</summary>
    string Origin { get; }

    /// <summary>Canonical names of every tensor the source holds.</summary>
    IReadOnlyCollection<string> Names { get; }

    /// <summary>True when the source holds a tensor of this canonical name.</summary>
    bool Contains(string name);

    /// <summary>The tensor of this canonical name.</summary>
    /// <exception cref="MissingWeightException">No tensor of that name.</exception>
    TensorView Get(string name);
}

/// <summary>A weight the model needs is not in the source.</summary>
public sealed class MissingWeightException(string origin, string name)
    : Exception($"{origin}: tensor '{name}' not found")
{
    /// <summary>The file or folder searched.</summary>
    public string Origin { get; } = origin;

    /// <summary>The canonical tensor name that was asked for.</summary>
    public string TensorName { get; } = name;
}

/// <summary>A weight exists but its shape or type is not what the model needs.</summary>
public sealed class WeightShapeException(string origin, string name, string message)
    : Exception($"{origin}: tensor '{name}': {message}")
{
    /// <summary>The file or folder the tensor came from.</summary>
    public string Origin { get; } = origin;

    /// <summary>The canonical tensor name.</summary>
    public string TensorName { get; } = name;
}
