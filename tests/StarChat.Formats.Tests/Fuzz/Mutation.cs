using System.Buffers.Binary;

namespace StarChat.Formats.Tests.Fuzz;

/// <summary>One edit of a file image: flip a bit, set a byte, or overwrite a (length) field with a 32/64-bit value.</summary>
public sealed record Edit(long Offset, EditKind Kind, ulong Value)
{
    public override string ToString() => $"{Kind}@{Offset}={Value:X}";
}

public enum EditKind
{
    FlipBit,
    SetByte,
    SetU32,
    SetU64,
}

/// <summary>A set of edits plus a truncated length; applied in place to a buffer and undone afterwards.</summary>
public sealed record Mutation(Edit[] Edits, long Length)
{
    public override string ToString() => $"length {Length}, edits [{string.Join(", ", Edits.Select(e => e.ToString()))}]";

    /// <summary>Applies the edits to <paramref name="image"/> and returns what is needed to undo them.</summary>
    public List<(long Offset, byte[] Original)> Apply(Span<byte> image)
    {
        var undo = new List<(long, byte[])>(Edits.Length);
        foreach (var e in Edits)
        {
            int width = e.Kind switch { EditKind.SetU32 => 4, EditKind.SetU64 => 8, _ => 1 };
            if (e.Offset < 0 || e.Offset > image.Length - width)
                continue;
            var at = image.Slice((int)e.Offset, width);
            undo.Add((e.Offset, at.ToArray()));
            switch (e.Kind)
            {
                case EditKind.FlipBit: at[0] ^= (byte)(1 << (int)(e.Value & 7)); break;
                case EditKind.SetByte: at[0] = (byte)e.Value; break;
                case EditKind.SetU32: BinaryPrimitives.WriteUInt32LittleEndian(at, (uint)e.Value); break;
                case EditKind.SetU64: BinaryPrimitives.WriteUInt64LittleEndian(at, e.Value); break;
            }
        }
        return undo;
    }

    public static void Undo(Span<byte> image, List<(long Offset, byte[] Original)> undo)
    {
        for (int i = undo.Count - 1; i >= 0; i--)
            undo[i].Original.CopyTo(image[(int)undo[i].Offset..]);
    }
}
