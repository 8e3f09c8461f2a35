using StarChat.Engine.Tensors;

namespace StarChat.Formats.PyTorch;

// The only objects the restricted unpickler ever builds: plain data plus the few torch records a state dict needs.
// None is null; ints are long; floats are double; str is string; bytes are byte[]; lists are List<object?>.

/// <summary>A Python tuple.</summary>
internal sealed record PickleTuple(object?[] Items);

/// <summary>A dict or collections.OrderedDict, in insertion order (a state dict keeps the module order).</summary>
internal sealed class PickleDict
{
    public List<KeyValuePair<object?, object?>> Items { get; } = [];
}

/// <summary>An allowed global (resolved against the allowlist when the GLOBAL opcode is read; never executed).</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public string FullName => $"{Module}.{Name}";
}

/// <summary>A torch storage type global such as <c>torch.HalfStorage</c>: only a dtype tag.</summary>
internal sealed record StorageType(string Name, TensorType Type);

/// <summary>A persistent id <c>('storage', type, key, location, numel)</c>: the record <c>data/&lt;key&gt;</c>.</summary>
internal sealed record StorageRef(TensorType Type, string Key, string Location, long ElementCount);

/// <summary>The arguments of <c>torch._utils._rebuild_tensor_v2</c>: a view into a storage, offsets in elements.</summary>
internal sealed record TensorRecord(StorageRef Storage, long StorageOffset, long[] Size, long[] Stride);
