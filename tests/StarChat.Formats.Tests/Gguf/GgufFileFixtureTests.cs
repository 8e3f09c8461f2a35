using System.Text.Json;
using StarChat.Engine.Tensors;
using StarChat.Formats.Gguf;
using StarChat.Formats.Tests.Support;
using StarChat.Testing;

namespace StarChat.Formats.Tests.Gguf;

public class GgufFileFixtureTests
{
    [Theory, MemberData(nameof(FixtureManifest.Gguf), MemberType = typeof(FixtureManifest))]
    public void Open_Fixture_TensorTypesMatchManifest(string file)
    {
        using var gguf = GgufFile.Open(SharedPaths.Fixtures(file));
        var expected = FixtureManifest.TensorTypes(file);
        Assert.Equal(expected.Count, gguf.Tensors.Count);
        foreach (var t in gguf.Tensors)
            Assert.Equal(expected[t.Name], t.Type.ToString());
    }

    [Theory, MemberData(nameof(FixtureManifest.Gguf), MemberType = typeof(FixtureManifest))]
    public void Open_Fixture_MetadataMatchesManifestKv(string file)
    {
        using var gguf = GgufFile.Open(SharedPaths.Fixtures(file));
        var kv = FixtureManifest.File(file).GetProperty("kv");
        Assert.Equal(kv.GetProperty("GGUF.version").GetInt32(), (int)gguf.Version);
        Assert.Equal(kv.GetProperty("GGUF.kv_count").GetInt32(), gguf.Metadata.Count);
        Assert.Equal(kv.GetProperty("GGUF.tensor_count").GetInt32(), gguf.Tensors.Count);
        foreach (var p in kv.EnumerateObject().Where(p => !p.Name.StartsWith("GGUF.", StringComparison.Ordinal)))
        {
            var actual = gguf.Metadata[p.Name];
            switch (p.Value.ValueKind)
            {
                case JsonValueKind.String:
                    Assert.Equal(p.Value.GetString(), actual.Value);
                    break;
                case JsonValueKind.Number when p.Value.TryGetInt64(out long n):
                    Assert.True(actual.TryGetInt64(out long got), p.Name);
                    Assert.Equal(n, got);
                    break;
                default:
                    Assert.True(actual.TryGetDouble(out double d), p.Name);
                    Assert.Equal(p.Value.GetDouble(), d);
                    break;
            }
        }
    }

    [Theory, MemberData(nameof(FixtureManifest.Gguf), MemberType = typeof(FixtureManifest))]
    public void Open_Fixture_TensorsTileTheDataSectionToTheEnd(string file)
    {
        using var gguf = GgufFile.Open(SharedPaths.Fixtures(file));
        long expectedOffset = 0;
        foreach (var t in gguf.Tensors.OrderBy(t => t.Offset))
        {
            Assert.Equal(expectedOffset, t.Offset);
            Assert.Equal(TensorTypeInfo.ByteCount(t.Type, t.Shape.ElementCount), t.ByteLength);
            expectedOffset = (t.Offset + t.ByteLength + gguf.Alignment - 1) / gguf.Alignment * gguf.Alignment;
        }
        Assert.Equal(new FileInfo(SharedPaths.Fixtures(file)).Length, gguf.DataOffset + expectedOffset);
        Assert.Equal(FixtureManifest.File(file).GetProperty("size").GetInt64(), gguf.FileLength);
    }

    [Fact]
    public void Open_TinyF16_TokenEmbeddingIsVocabByEmbd()
    {
        using var gguf = GgufFile.Open(SharedPaths.Fixtures("gguf", "tiny-starchat.f16.gguf"));
        var info = gguf.Info("token_embd.weight");
        Assert.Equal(new TensorShape(49156, 64), info.Shape);
        Assert.Equal(TensorType.F16, info.Type);
        Assert.Equal(49156, gguf.Metadata.GetStringArrayOrNull("tokenizer.ggml.tokens")!.Count);
        Assert.Equal(48891, gguf.Metadata.GetStringArrayOrNull("tokenizer.ggml.merges")!.Count);
    }
}
