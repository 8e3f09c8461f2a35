namespace StarChat.Formats;

/// <summary>
/// A model file (or folder) is malformed, truncated, hostile or uses a feature this reader refuses. The message names
/// the file, the field and, where it applies, the byte offset:
/// <c>tiny.gguf: tensor info 3 'blk.0.attn_qkv.weight': offset 12345 past end of file (size 999) at byte 880</c>.
/// (<see cref="InvalidDataException"/> is sealed, so this derives from <see cref="Exception"/>; callers that also handle
/// <see cref="InvalidDataException"/> from config validation catch both.)
/// </summary>
public class ModelFormatException : Exception
{
    /// <summary>Creates the exception; <paramref name="offset"/> is the byte offset of the field, when known.</summary>
    public ModelFormatException(string path, string field, string detail, long? offset = null, Exception? inner = null)
        : base(Format(path, field, detail, offset), inner)
    {
        Path = path;
        Field = field;
        Detail = detail;
        Offset = offset;
    }

    /// <summary>The file (or folder) that was being read, as the caller named it.</summary>
    public string Path { get; }

    /// <summary>The field or structure that is wrong (e.g. <c>header length</c>, <c>tensor 'model/wte'</c>).</summary>
    public string Field { get; }

    /// <summary>What is wrong with it.</summary>
    public string Detail { get; }

    /// <summary>Byte offset of the field in the file, when it applies.</summary>
    public long? Offset { get; }

    private static string Format(string path, string field, string detail, long? offset)
        => offset is { } at ? $"{path}: {field}: {detail} at byte {at}" : $"{path}: {field}: {detail}";
}

/// <summary>
/// A PyTorch pickle asked for a global (a Python callable or class) that a state dict never needs, such as
/// <c>os.system</c>. Nothing in the checkpoint was executed; the file is refused.
/// </summary>
public sealed class UnsafePickleException(string path, string globalName, long offset)
    : ModelFormatException(path, "data.pkl", $"refusing pickle global '{globalName}': a state dict only needs "
        + "collections.OrderedDict, torch._utils._rebuild_tensor_v2/_rebuild_parameter and torch.*Storage", offset)
{
    /// <summary>The refused global as <c>module.name</c>.</summary>
    public string GlobalName { get; } = globalName;
}
