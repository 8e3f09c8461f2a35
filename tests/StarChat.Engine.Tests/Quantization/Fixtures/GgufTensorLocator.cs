using System.Text;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Tests.Quantization.Fixtures;

/// <summary>A tensor's type, dimensions (innermost first) and absolute byte offset in a GGUF file.</summary>
internal sealed record GgufTensor(string Name, TensorType Type, long[] Ne, long Offset)
{
    public long RowLength => Ne[0];

    public long RowCount => Ne.Skip(1).Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// TEST HELPER, not a reader: walks a trusted fixture GGUF's header just far enough to find where each tensor's
/// bytes are, so the block decoders can be checked before StarChat.Formats' reader is merged. Replace it with that
/// reader then. No validation beyond the magic: the fixtures are known-good files.
/// </summary>
internal static class GgufTensorLocator
{
    public static Dictionary<string, GgufTensor> Read(byte[] file)
    {
        using var r = new BinaryReader(new MemoryStream(file, writable: false));
        if (r.ReadUInt32() != 0x4655_4747)
            throw new InvalidDataException("not a GGUF file");
        r.ReadUInt32();                                   // version: 2 and 3 share this layout
        long tensorCount = r.ReadInt64(), kvCount = r.ReadInt64();
        long alignment = 32;
        for (long i = 0; i < kvCount; i++)
        {
            string key = ReadString(r);
            uint valueType = r.ReadUInt32();
            if (key == "general.alignment")
                alignment = r.ReadUInt32();
            else
                SkipValue(r, valueType);
        }

        var infos = new List<(string Name, long[] Ne, TensorType Type, long Offset)>();
        for (long i = 0; i < tensorCount; i++)
        {
            string name = ReadString(r);
            var ne = new long[r.ReadUInt32()];
            for (int d = 0; d < ne.Length; d++)
                ne[d] = r.ReadInt64();
            infos.Add((name, ne, (TensorType)r.ReadUInt32(), r.ReadInt64()));
        }
        long dataStart = (r.BaseStream.Position + alignment - 1) / alignment * alignment;
        return infos.ToDictionary(t => t.Name, t => new GgufTensor(t.Name, t.Type, t.Ne, dataStart + t.Offset));
    }

    private static string ReadString(BinaryReader r) => Encoding.UTF8.GetString(r.ReadBytes(checked((int)r.ReadInt64())));

    private static void SkipValue(BinaryReader r, uint valueType)
    {
        switch (valueType)
        {
            case 0 or 1 or 7: r.ReadByte(); break;              // u8, i8, bool
            case 2 or 3: r.ReadUInt16(); break;                 // u16, i16
            case 4 or 5 or 6: r.ReadUInt32(); break;            // u32, i32, f32
            case 10 or 11 or 12: r.ReadUInt64(); break;         // u64, i64, f64
            case 8: ReadString(r); break;
            case 9:
                uint elementType = r.ReadUInt32();
                long count = r.ReadInt64();
                for (long i = 0; i < count; i++)
                    SkipValue(r, elementType);
                break;
            default: throw new InvalidDataException($"GGUF value type {valueType}");
        }
    }
}
