using System.Security.Cryptography;
using StarChat.Engine.Kernels;
using StarChat.Engine.Models.GptBigCode;
using StarChat.Engine.Tensors;
using StarChat.Formats;
using StarChat.Generation.Conversion;
using StarChat.Generation.Tests.Engine;
using StarChat.Testing;

namespace StarChat.Generation.Tests.Conversion;

/// <summary>
/// Converting and quantizing against llama.cpp's own tools: the fixture GGUFs were made from tiny-starchat's F32
/// weights by llama.cpp's converter rules and <c>llama-quantize</c> (commit 1fd6dfe9f); <c>expected.json</c> keeps
/// each file's sha256, so the same weights must give the same bytes.
/// </summary>
public sealed class GgufConverterTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("starchat-convert-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Tiny => SharedPaths.Fixtures("tiny-starchat");

    private static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    [Theory]
    [InlineData("f32")]
    [InlineData("f16")]
    [InlineData("q8_0")]
    [InlineData("q4_0")]
    [InlineData("q4_1")]
    [InlineData("q5_0")]
    [InlineData("q5_1")]
    public void Convert_TinyStarchatFolder_IsByteIdenticalToLlamaCppsFile(string type)
    {
        string output = Path.Combine(_folder, $"tiny-starchat.{type}.gguf");
        GgufConverter.Convert(Tiny, output, LlamaFileType.Parse(type), new ConversionOptions { Threads = 2 });
        Assert.Equal(FixtureFiles.Sha256($"tiny-starchat.{type}.gguf"), Hash(output));
    }

    [Theory]
    [InlineData("q8_0")]
    [InlineData("q4_0")]
    [InlineData("q5_1")]
    public void Quantize_OurF32Gguf_IsByteIdenticalToLlamaQuantizesFile(string type)
    {
        string f32 = Path.Combine(_folder, "tiny-starchat.f32.gguf");
        GgufConverter.Convert(Tiny, f32, LlamaFileType.Parse("f32"), new ConversionOptions { Threads = 2 });
        string output = Path.Combine(_folder, $"out.{type}.gguf");
        var result = GgufConverter.Quantize(f32, output, LlamaFileType.Parse(type), new ConversionOptions { Threads = 2 });
        Assert.Equal(FixtureFiles.Sha256($"tiny-starchat.{type}.gguf"), Hash(output));
        Assert.Empty(result.Notes);
    }

    public static TheoryData<string> SmallMixes() => ["q2_k", "q3_k_m", "q4_k_m", "q5_k_m", "q6_k", "q8_0", "q4_0"];

    [Theory]
    [MemberData(nameof(SmallMixes))]
    public void Plan_SmallStarchat_ChoosesLlamaQuantizesTypeForEveryTensor(string mix)
    {
        // Names and shapes from a shipped small-starchat file; the types llama-quantize chose are in expected.json.
        using var model = ModelFile.Open(SharedPaths.Fixtures("gguf", "small-starchat.q2_k.gguf"));
        var config = model.RequireConfig();
        var expected = FixtureFiles.TensorTypes($"small-starchat.{mix}.gguf");
        var ordered = model.FileTensors.OrderBy(t => t.Name.StartsWith("blk.", StringComparison.Ordinal) ? int.Parse(t.Name.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture) : -1)
            .ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
        var plan = new QuantizationPlan(LlamaFileType.Parse(mix), [.. ordered.Select(t => t.Name)], config.LayerCount, config.HeadCount, config.KvHeadCount);
        foreach (var t in ordered)
        {
            var chosen = plan.TypeFor(t.Name, t.Shape, TensorType.F32);
            Assert.True(string.Equals(expected[t.Name], TensorTypeInfo.Name(chosen), StringComparison.OrdinalIgnoreCase), $"{mix}: {t.Name}: llama-quantize chose {expected[t.Name]}, we chose {TensorTypeInfo.Name(chosen)}");
        }
    }

    public static TheoryData<string> GgmlFixtures() => ["tiny-starchat.ggmlv3.f16.bin", "tiny-starchat.ggmlv3.q4_0.bin", "tiny-starchat.ggmlv3.q5_1.bin", "tiny-starchat.ggmlv3.q8_0.bin"];

    [Theory]
    [MemberData(nameof(GgmlFixtures))]
    public void Convert_GgmlV3File_KeepsItsWeightsAndGivesTheReferenceLogits(string file)
    {
        string input = SharedPaths.Fixtures("ggml", file);
        string output = Path.Combine(_folder, Path.ChangeExtension(file, ".gguf"));
        var result = GgufConverter.Convert(input, output, type: null, new ConversionOptions { Threads = 2 });
        Assert.All(result.Tensors, t => Assert.Equal(t.SourceType, t.Type));

        // numpy's row of README §8 is for float activations: the exact path, not llama.cpp-style 8-bit ones.
        using var converted = LocalModel.Load(output, new ModelOptions { Threads = 2, QuantizedMatMul = QuantizedMatMul.Exact });
        Assert.Equal(49156, converted.Text.Tokenizer.VocabSize);
        const int vocab = 49156;
        double worst = 0;
        var cases = FixtureCases.Shipped("numpy").Where(c => c.Model == "ggml/" + file).ToList();
        Assert.NotEmpty(cases);
        foreach (var c in cases)
        {
            var logits = new float[c.Ids.Length * vocab];
            using var session = converted.Model.CreateSession();
            session.Append(c.Ids, logits);
            foreach (var p in c.PerPosition)
                for (int k = 0; k < 5; k++)
                    worst = Math.Max(worst, Math.Abs(logits[p.Pos * vocab + p.Top5Ids[k]] - p.Top5Values[k]));
        }
        Assert.True(worst <= 2e-3, $"{file} → GGUF: max |Δlogit| vs numpy on the GGML weights = {worst:E3}");
    }

    [Fact]
    public void Convert_ToTheInputPath_IsRefusedAndTheInputIsUntouched()
    {
        string copy = Path.Combine(_folder, "model.gguf");
        File.Copy(SharedPaths.Fixtures("gguf", "tiny-starchat.q8_0.gguf"), copy);
        string before = Hash(copy);
        Assert.Throws<ArgumentException>(() => GgufConverter.Quantize(copy, copy, LlamaFileType.Parse("q4_0")));
        Assert.Equal(before, Hash(copy));
    }

    [Fact]
    public void Quantize_NonGgufInput_SaysToUseConvert()
    {
        var e = Assert.Throws<ModelFormatException>(() => GgufConverter.Quantize(Tiny, Path.Combine(_folder, "x.gguf"), LlamaFileType.Parse("q4_0")));
        Assert.Contains("starchat convert", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_TruncatedInput_FailsAndLeavesNoOutputOrPartialFile()
    {
        string truncated = Path.Combine(_folder, "truncated.gguf");
        var bytes = File.ReadAllBytes(SharedPaths.Fixtures("gguf", "tiny-starchat.q8_0.gguf"));
        File.WriteAllBytes(truncated, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        string output = Path.Combine(_folder, "out.gguf");
        Assert.ThrowsAny<Exception>(() => GgufConverter.Convert(truncated, output, LlamaFileType.Parse("q4_0")));
        Assert.False(File.Exists(output));
        Assert.False(File.Exists(output + ".partial"));
    }

    [Fact]
    public void Parse_UnknownType_ListsTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => LlamaFileType.Parse("q7_0"));
        Assert.Contains("q4_k_m", e.Message, StringComparison.Ordinal);
        Assert.Equal("q4_k_m", LlamaFileType.Parse("Q4_K").Name);
    }
}
