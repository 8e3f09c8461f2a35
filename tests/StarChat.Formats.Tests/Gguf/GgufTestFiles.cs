using StarChat.Engine.Tensors;
using StarChat.Formats.Gguf;
using StarChat.Formats.IO;

namespace StarChat.Formats.Tests.Gguf;

internal static class GgufTestFiles
{
    public static byte[] Write(GgufWriter writer)
    {
        using var ms = new MemoryStream();
        writer.WriteTo(ms);
        return ms.ToArray();
    }

    /// <summary>A small valid file: two KVs, two F32 tensors.</summary>
    public static GgufWriter Small(bool @unchecked = false)
    {
        var w = new GgufWriter { Unchecked = @unchecked };
        w.Add("general.architecture", GgufValue.Of("starcoder"));
        w.Add("test.count", GgufValue.Of(7u));
        w.AddTensor("blk.0.a", TensorType.F32, new TensorShape(2, 4), new byte[32]);
        w.AddTensor("blk.0.b", TensorType.F32, new TensorShape(8), new byte[32]);
        return w;
    }

    public static GgufFile Open(byte[] image, string name = "test.gguf")
        => GgufFile.Open(ByteSource.FromBytes(image, name), ownsSource: true);

    public static ModelFormatException Refused(byte[] image, string name = "test.gguf")
        => Assert.Throws<ModelFormatException>(() => { using var f = Open(image, name); });
}
