using CsCheck;
using StarChat.Formats.HuggingFace;
using StarChat.Testing;

namespace StarChat.Formats.Tests.Fuzz;

/// <summary>The JSON files of the fixture folders, mutated and truncated: parsed, or refused with a ModelFormatException.</summary>
public class JsonFilesFuzzTests
{
    public static TheoryData<string> Files() =>
    [
        "tiny-starchat/config.json", "tiny-starchat/generation_config.json", "tiny-starchat-8bit/config.json",
        "tiny-starchat-gptq/config.json", "tiny-starchat-gptq-actorder/config.json", "tiny-starchat-bf16/model.safetensors.index.json",
    ];

    [Theory, MemberData(nameof(Files))]
    public void Parse_MutatedJson_ParsesOrThrowsModelFormatException(string relative)
    {
        byte[] original = File.ReadAllBytes(SharedPaths.Fixtures(relative));
        var printable = Gen.Char["{}[]\":,0123456789-.eEtrufalsn \\"];
        var gen = Gen.Select(Gen.Int[0, original.Length - 1], printable, Gen.Int[0, original.Length], Gen.Int[0, 3]);
        gen.Sample((at, ch, cut, mode) =>
        {
            var bytes = (byte[])original.Clone();
            if (mode != 0) bytes[at] = (byte)ch;
            if (mode == 2) bytes = bytes[..cut];
            try
            {
                if (relative.EndsWith("index.json", StringComparison.Ordinal))
                {
                    using var doc = JsonFiles.Parse(relative, bytes);
                    HfShardIndex.Parse(relative, doc.RootElement);
                }
                else if (relative.EndsWith("generation_config.json", StringComparison.Ordinal))
                {
                    HfConfig.FromJson("config.json", File.ReadAllBytes(SharedPaths.Fixtures("tiny-starchat", "config.json")), relative, bytes);
                }
                else
                {
                    HfConfig.FromJson(relative, bytes, null, null);
                }
            }
            catch (ModelFormatException)
            {
            }
        }, iter: 300, threads: 1);
    }
}
