using System.Buffers.Binary;
using System.Text;
using StarChat.Engine.Tensors;

namespace StarChat.Formats.PyTorch;

/// <summary>
/// Just enough pickle (protocols 2–5) to read a PyTorch state dict, and nothing that could run code: GLOBAL/STACK_GLOBAL
/// resolve against an allowlist (OrderedDict, the tensor rebuild functions, the storage types) and anything else fails
/// with <see cref="UnsafePickleException"/> naming it; REDUCE only "calls" those allowlisted entries by building plain
/// records (formats.md §6.2). Stack, memo and lengths are bounded by the pickle's own size.
/// </summary>
internal sealed class RestrictedUnpickler
{
    private const int MaxStack = 1 << 20;
    private const int MaxMemo = 1 << 20;

    private static readonly Dictionary<string, TensorType> s_storageTypes = new(StringComparer.Ordinal)
    {
        ["FloatStorage"] = TensorType.F32,
        ["HalfStorage"] = TensorType.F16,
        ["BFloat16Storage"] = TensorType.BF16,
        ["DoubleStorage"] = TensorType.F64,
        ["LongStorage"] = TensorType.I64,
        ["IntStorage"] = TensorType.I32,
        ["ShortStorage"] = TensorType.I16,
        ["CharStorage"] = TensorType.I8,
        ["ByteStorage"] = TensorType.U8,
        ["BoolStorage"] = TensorType.Bool,
    };

    private readonly string _origin;
    private readonly byte[] _data;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private readonly Dictionary<string, StorageRef> _storages = new(StringComparer.Ordinal);
    private int _pos;
    private long _opAt;

    private readonly long? _fileOffset;

    private RestrictedUnpickler(string origin, byte[] data, long? fileOffset)
    {
        _origin = origin;
        _data = data;
        _fileOffset = fileOffset;
    }

    /// <summary>
    /// Unpickles <paramref name="data"/> and returns the top-level object. <paramref name="fileOffset"/> is where the
    /// pickle starts in the file (null when it was decompressed), so errors can give file offsets.
    /// </summary>
    /// <exception cref="UnsafePickleException">The pickle names a global outside the allowlist.</exception>
    /// <exception cref="ModelFormatException">Malformed or unsupported pickle.</exception>
    public static object? Load(string origin, byte[] data, long? fileOffset = null) => new RestrictedUnpickler(origin, data, fileOffset).Run();

    private object? Run()
    {
        while (true)
        {
            _opAt = _pos;
            byte op = U8();
            switch (op)
            {
                case 0x80: // PROTO
                    byte proto = U8();
                    if (proto is < 2 or > 5)
                        throw Error($"pickle protocol {proto} is not supported (2 to 5 are)");
                    break;
                case 0x95: // FRAME: a length hint only
                    Take(8);
                    break;
                case (byte)'.': // STOP
                    if (_stack.Count != 1 || _marks.Count != 0)
                        throw Error($"STOP with {_stack.Count} objects on the stack and {_marks.Count} open marks");
                    return _stack[0];
                case (byte)'(': // MARK
                    _marks.Add(_stack.Count);
                    break;
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)')': Push(new PickleTuple([])); break;
                case (byte)']': Push(new List<object?>()); break;
                case (byte)'}': Push(new PickleDict()); break;
                case (byte)'t': Push(new PickleTuple([.. PopToMark()])); break;
                case 0x85: Push(new PickleTuple([Pop()])); break;
                case 0x86: { var b = Pop(); var a = Pop(); Push(new PickleTuple([a, b])); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new PickleTuple([a, b, c])); break; }
                case (byte)'K': Push((long)U8()); break;
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
                case 0x8a: Push(Long1()); break;
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;
                case (byte)'X': Push(Encoding.UTF8.GetString(Take(Length32()))); break;
                case 0x8c: Push(Encoding.UTF8.GetString(Take(U8()))); break;
                case 0x8d: Push(Encoding.UTF8.GetString(Take(Length64()))); break;
                case (byte)'B': Push(Take(Length32()).ToArray()); break;
                case (byte)'C': Push(Take(U8()).ToArray()); break;
                case 0x8e: Push(Take(Length64()).ToArray()); break;
                case (byte)'q': Memoize(U8()); break;
                case (byte)'r': Memoize(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break;
                case 0x94: Memoize(_memo.Count); break;
                case (byte)'h': Push(Recall(U8())); break;
                case (byte)'j': Push(Recall(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break;
                case (byte)'0': Pop(); break;
                case (byte)'1': PopToMark(); break;
                case (byte)'2': Push(Peek()); break;
                case (byte)'c': Push(Resolve(Line(), Line())); break;
                case 0x93: // STACK_GLOBAL
                {
                    var name = Pop() as string ?? throw Error("STACK_GLOBAL name is not a string");
                    var module = Pop() as string ?? throw Error("STACK_GLOBAL module is not a string");
                    Push(Resolve(module, name));
                    break;
                }
                case (byte)'R': { var args = Pop(); var callable = Pop(); Push(Reduce(callable, args)); break; }
                case 0x81: // NEWOBJ: cls.__new__(cls, *args); only dict types are allowed here
                {
                    var args = Pop();
                    var cls = Pop();
                    if (cls is PickleGlobal { Module: "collections", Name: "OrderedDict" } && args is PickleTuple { Items.Length: 0 })
                        Push(new PickleDict());
                    else
                        throw Error($"NEWOBJ of {Describe(cls)} is not allowed");
                    break;
                }
                case (byte)'b': Build(); break;
                case (byte)'s': { var value = Pop(); var key = Pop(); AsDict(Peek(), "SETITEM").Items.Add(new(key, value)); break; }
                case (byte)'u':
                {
                    var items = PopToMark();
                    if (items.Count % 2 != 0)
                        throw Error("SETITEMS with an odd number of items");
                    var dict = AsDict(Peek(), "SETITEMS");
                    for (int i = 0; i < items.Count; i += 2)
                        dict.Items.Add(new(items[i], items[i + 1]));
                    break;
                }
                case (byte)'a': { var value = Pop(); AsList(Peek(), "APPEND").Add(value); break; }
                case (byte)'e': { var items = PopToMark(); AsList(Peek(), "APPENDS").AddRange(items); break; }
                case (byte)'Q': Push(PersistentLoad(Pop())); break;
                default:
                    throw Error($"pickle opcode 0x{op:X2} ('{(op is >= 32 and < 127 ? (char)op : '?')}') is not supported in a state dict");
            }
        }
    }

    private object Resolve(string module, string name)
    {
        if (module == "collections" && name == "OrderedDict")
            return new PickleGlobal(module, name);
        if (module == "torch._utils" && name is "_rebuild_tensor_v2" or "_rebuild_parameter")
            return new PickleGlobal(module, name);
        if (module == "torch" && s_storageTypes.TryGetValue(name, out var type))
            return new StorageType(name, type);
        throw new UnsafePickleException(_origin, $"{module}.{name}", (_fileOffset ?? 0) + _opAt);
    }

    private object? Reduce(object? callable, object? args)
    {
        var items = (args as PickleTuple)?.Items ?? throw Error($"REDUCE arguments are {Describe(args)}, not a tuple");
        switch (callable)
        {
            case PickleGlobal { Name: "OrderedDict" }:
                var dict = new PickleDict();
                if (items.Length == 1 && items[0] is List<object?> pairs)
                {
                    foreach (var pair in pairs)
                    {
                        if (pair is not PickleTuple { Items.Length: 2 } kv)
                            throw Error("OrderedDict argument is not a list of pairs");
                        dict.Items.Add(new(kv.Items[0], kv.Items[1]));
                    }
                }
                else if (items.Length != 0)
                {
                    throw Error($"OrderedDict called with {items.Length} arguments");
                }
                return dict;
            case PickleGlobal { Name: "_rebuild_tensor_v2" }:
                if (items.Length is < 6 or > 7)
                    throw Error($"_rebuild_tensor_v2 takes 6 or 7 arguments, got {items.Length}");
                var storage = items[0] as StorageRef ?? throw Error($"_rebuild_tensor_v2 storage is {Describe(items[0])}");
                long offset = items[1] as long? ?? throw Error("_rebuild_tensor_v2 storage_offset is not an int");
                return new TensorRecord(storage, offset, Ints(items[2], "size"), Ints(items[3], "stride"));
            case PickleGlobal { Name: "_rebuild_parameter" }:
                if (items.Length != 3 || items[0] is not TensorRecord tensor)
                    throw Error("_rebuild_parameter expects (tensor, requires_grad, backward_hooks)");
                return tensor;
            default:
                throw Error($"REDUCE on {Describe(callable)} is not allowed");
        }
    }

    private void Build()
    {
        var state = Pop();
        switch (Peek())
        {
            // torch.save of an OrderedDict state dict sets its _metadata attribute (module versions): not needed.
            case PickleDict when state is PickleDict or null:
                return;
            case TensorRecord when state is null or PickleDict or PickleTuple:
                return;
            default:
                throw Error($"BUILD on {Describe(Peek())} is not allowed");
        }
    }

    private StorageRef PersistentLoad(object? pid)
    {
        if (pid is not PickleTuple { Items: ["storage", StorageType type, string key, string location, long numel] })
            throw Error($"persistent id {Describe(pid)} is not ('storage', type, key, location, numel)");
        if (numel < 0)
            throw Error($"storage '{key}' has a negative element count {numel}");
        if (_storages.TryGetValue(key, out var known))
        {
            if (known.Type != type.Type || known.ElementCount != numel)
                throw Error($"storage '{key}' is referenced as {known.Type}×{known.ElementCount} and as {type.Type}×{numel}");
            return known;
        }
        var storage = new StorageRef(type.Type, key, location, numel);
        _storages.Add(key, storage);
        return storage;
    }

    private long[] Ints(object? value, string what)
    {
        if (value is not PickleTuple tuple)
            throw Error($"_rebuild_tensor_v2 {what} is {Describe(value)}, not a tuple");
        var result = new long[tuple.Items.Length];
        for (int i = 0; i < result.Length; i++)
            result[i] = tuple.Items[i] as long? ?? throw Error($"_rebuild_tensor_v2 {what}[{i}] is not an int");
        return result;
    }

    private PickleDict AsDict(object? o, string op) => o as PickleDict ?? throw Error($"{op} on {Describe(o)}");

    private List<object?> AsList(object? o, string op) => o as List<object?> ?? throw Error($"{op} on {Describe(o)}");

    private void Push(object? o)
    {
        if (_stack.Count >= MaxStack)
            throw Error($"more than {MaxStack} objects on the pickle stack");
        _stack.Add(o);
    }

    private object? Pop()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _marks[^1] == _stack.Count))
            throw Error("pickle stack underflow");
        var o = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return o;
    }

    private object? Peek()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _marks[^1] == _stack.Count))
            throw Error("pickle stack underflow");
        return _stack[^1];
    }

    private List<object?> PopToMark()
    {
        if (_marks.Count == 0)
            throw Error("no MARK to pop to");
        int mark = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(mark, _stack.Count - mark);
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private void Memoize(long index)
    {
        if (_memo.Count >= MaxMemo && !_memo.ContainsKey(index))
            throw Error($"more than {MaxMemo} memo entries");
        _memo[index] = Peek();
    }

    private object? Recall(long index)
        => _memo.TryGetValue(index, out var o) ? o : throw Error($"memo entry {index} was never stored");

    private long Long1()
    {
        int n = U8();
        if (n > 8)
            throw Error($"LONG1 of {n} bytes does not fit in 64 bits");
        var bytes = Take(n);
        if (n == 0)
            return 0;
        long value = 0;
        for (int i = n - 1; i >= 0; i--)
            value = (value << 8) | bytes[i];
        int unused = 64 - 8 * n;
        return unused == 0 ? value : (value << unused) >> unused; // sign-extend two's complement
    }

    private int Length32()
    {
        uint n = BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
        return n <= (uint)(_data.Length - _pos) ? (int)n : throw Error($"length {n} runs past the end of the pickle");
    }

    private int Length64()
    {
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
        return n <= (ulong)(_data.Length - _pos) ? (int)n : throw Error($"length {n} runs past the end of the pickle");
    }

    private string Line()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _pos, Math.Min(256, _data.Length - _pos));
        if (end < 0)
            throw Error("GLOBAL name is not terminated by a newline within 256 bytes");
        string s = Encoding.ASCII.GetString(_data, _pos, end - _pos);
        _pos = end + 1;
        return s;
    }

    private byte U8() => Take(1)[0];

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n < 0 || n > _data.Length - _pos)
            throw Error($"pickle truncated: needs {n} bytes, {_data.Length - _pos} left");
        var span = _data.AsSpan(_pos, n);
        _pos += n;
        return span;
    }

    private ModelFormatException Error(string detail)
        => _fileOffset is { } start
            ? new(_origin, "data.pkl", detail, start + _opAt)
            : new(_origin, "data.pkl", $"{detail} (byte {_opAt} of the decompressed pickle)");

    private static string Describe(object? o) => o switch
    {
        null => "None",
        PickleGlobal g => g.FullName,
        StorageType s => $"torch.{s.Name}",
        PickleTuple t => $"a tuple of {t.Items.Length}",
        _ => o.GetType().Name,
    };
}
