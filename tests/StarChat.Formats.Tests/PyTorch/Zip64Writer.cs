using System.Text;

namespace StarChat.Formats.Tests.PyTorch;

/// <summary>
/// Writes a STORED zip the way torch's writer does for multi-GiB checkpoints: every central-directory size and offset
/// set to 0xFFFFFFFF with the real values in a ZIP64 extra field, data padded to 64 bytes through the local extra
/// field, then a ZIP64 end record and locator (APPNOTE 4.3.14-4.3.15, 4.5.3).
/// </summary>
internal static class Zip64Writer
{
    public static byte[] Write(IEnumerable<(string Name, byte[] Data)> entries)
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        var central = new List<(string Name, long Offset, int Size)>();
        foreach (var (name, data) in entries)
        {
            long offset = ms.Position;
            var nameBytes = Encoding.UTF8.GetBytes(name);
            long dataStart = offset + 30 + nameBytes.Length + 4;
            int pad = (int)((64 - dataStart % 64) % 64);
            w.Write(0x04034b50u); w.Write((ushort)45); w.Write((ushort)0); w.Write((ushort)0); w.Write(0u);
            w.Write(0u); w.Write((uint)data.Length); w.Write((uint)data.Length);
            w.Write((ushort)nameBytes.Length); w.Write((ushort)(4 + pad));
            w.Write(nameBytes);
            w.Write((ushort)0x4246); w.Write((ushort)pad); w.Write(new byte[pad]); // "FB" padding field, as torch writes
            w.Write(data);
            central.Add((name, offset, data.Length));
        }
        long cdStart = ms.Position;
        foreach (var (name, offset, size) in central)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            w.Write(0x02014b50u); w.Write((ushort)45); w.Write((ushort)45); w.Write((ushort)0); w.Write((ushort)0); w.Write(0u);
            w.Write(0u); w.Write(uint.MaxValue); w.Write(uint.MaxValue);
            w.Write((ushort)nameBytes.Length); w.Write((ushort)(4 + 24)); w.Write((ushort)0);
            w.Write((ushort)0); w.Write((ushort)0); w.Write(0u); w.Write(uint.MaxValue);
            w.Write(nameBytes);
            w.Write((ushort)0x0001); w.Write((ushort)24); w.Write((ulong)size); w.Write((ulong)size); w.Write((ulong)offset);
        }
        long cdSize = ms.Position - cdStart;
        long zip64End = ms.Position;
        w.Write(0x06064b50u); w.Write(44UL); w.Write((ushort)45); w.Write((ushort)45); w.Write(0u); w.Write(0u);
        w.Write((ulong)central.Count); w.Write((ulong)central.Count); w.Write((ulong)cdSize); w.Write((ulong)cdStart);
        w.Write(0x07064b50u); w.Write(0u); w.Write((ulong)zip64End); w.Write(1u);
        w.Write(0x06054b50u); w.Write((ushort)0); w.Write((ushort)0); w.Write(ushort.MaxValue); w.Write(ushort.MaxValue);
        w.Write(uint.MaxValue); w.Write(uint.MaxValue); w.Write((ushort)0);
        w.Flush();
        return ms.ToArray();
    }
}
