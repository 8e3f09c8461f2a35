using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace StarChat.Formats.Tests.PyTorch;

/// <summary>Writes pickle opcodes by hand (opcode bytes from CPython's Lib/pickle.py), so tests control every byte.</summary>
internal sealed class PickleBuilder
{
    private readonly List<byte> _bytes = [];
    private readonly ByteSink _s;

    public PickleBuilder() => _s = new ByteSink(_bytes);

    private sealed class ByteSink(List<byte> bytes)
    {
        public void WriteByte(byte b) => bytes.Add(b);
        public void Write(ReadOnlySpan<byte> b) => bytes.AddRange(b);
    }

    public PickleBuilder Op(byte op) { _s.WriteByte(op); return this; }
    public PickleBuilder Proto(byte p = 2) => Op(0x80).Op(p);
    public PickleBuilder Mark() => Op((byte)'(');
    public PickleBuilder Stop() => Op((byte)'.');
    public PickleBuilder EmptyDict() => Op((byte)'}');
    public PickleBuilder EmptyTuple() => Op((byte)')');
    public PickleBuilder Tuple() => Op((byte)'t');
    public PickleBuilder Tuple1() => Op(0x85);
    public PickleBuilder Tuple2() => Op(0x86);
    public PickleBuilder Reduce() => Op((byte)'R');
    public PickleBuilder SetItem() => Op((byte)'s');
    public PickleBuilder SetItems() => Op((byte)'u');
    public PickleBuilder BinPersId() => Op((byte)'Q');
    public PickleBuilder False() => Op(0x89);
    public PickleBuilder Build() => Op((byte)'b');
    public PickleBuilder Put(byte i) => Op((byte)'q').Op(i);
    public PickleBuilder Get(byte i) => Op((byte)'h').Op(i);

    public PickleBuilder Global(string module, string name)
    {
        Op((byte)'c');
        var b = Encoding.ASCII.GetBytes($"{module}\n{name}\n");
        _s.Write(b);
        return this;
    }

    public PickleBuilder StackGlobal(string module, string name) => Str(module).Str(name).Op(0x93);

    public PickleBuilder Str(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        Op((byte)'X');
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(len, b.Length);
        _s.Write(len);
        _s.Write(b);
        return this;
    }

    public PickleBuilder Int(int n)
    {
        if (n is >= 0 and < 256) return Op((byte)'K').Op((byte)n);
        Op((byte)'J');
        Span<byte> v = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(v, n);
        _s.Write(v);
        return this;
    }

    public PickleBuilder IntTuple(params int[] values)
    {
        Mark();
        foreach (int v in values) Int(v);
        return Tuple();
    }

    /// <summary><c>_rebuild_tensor_v2(('storage', torch.&lt;type&gt;, key, 'cpu', numel), offset, size, stride, False, OrderedDict())</c>.</summary>
    public PickleBuilder Tensor(string storageType, string key, int numel, int offset, int[] size, int[] stride)
    {
        Global("torch._utils", "_rebuild_tensor_v2");
        Mark();
        Mark().Str("storage").Global("torch", storageType).Str(key).Str("cpu").Int(numel).Tuple().BinPersId();
        Int(offset).IntTuple(size).IntTuple(stride).False();
        Global("collections", "OrderedDict").EmptyTuple().Reduce();
        return Tuple().Reduce();
    }

    public byte[] ToArray() => [.. _bytes];

    /// <summary>A torch.save-shaped zip: root/data.pkl, root/data/&lt;key&gt;, root/version, optional byteorder.</summary>
    public static byte[] Zip(byte[] pickle, IDictionary<string, byte[]> storages, string root = "archive", string? byteorder = null,
        CompressionLevel level = CompressionLevel.NoCompression)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string name, byte[] data)
            {
                var e = zip.CreateEntry($"{root}/{name}", level);
                using var s = e.Open();
                s.Write(data);
            }
            Add("data.pkl", pickle);
            if (byteorder is not null) Add("byteorder", Encoding.ASCII.GetBytes(byteorder));
            foreach (var (key, data) in storages) Add($"data/{key}", data);
            Add("version", "3\n"u8.ToArray());
        }
        return ms.ToArray();
    }
}
