using System.Text.Json;
using StarChat.Testing;

namespace StarChat.Cli.Tests;

public class TextCommandTests
{
    private static string Model => SharedPaths.Fixtures("tiny-starchat");

    [Fact]
    public void Tokenize_Text_PrintsReferenceIds()
    {
        var r = CliRunner.Run("tokenize", "--model", Model, "def print_hello");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("589 1459 81 7656", r.Out.Trim());
    }

    [Fact]
    public void Tokenize_Json_PrintsIdsTokensAndPieces()
    {
        var r = CliRunner.Run("tokenize", "--model", Model, "--json", "<|user|>Hello World!");
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal([49153, 8279, 10896, 19], doc.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(["<|user|>", "Hello", "ĠWorld", "!"], doc.RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["<|user|>", "Hello", " World", "!"], doc.RootElement.GetProperty("pieces").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Tokenize_NoSpecial_KeepsControlTextAsCharacters()
    {
        var r = CliRunner.Run("tokenize", "--model", Model, "--no-special", "<|end|>");
        Assert.DoesNotContain("49155", r.Out, StringComparison.Ordinal);
        Assert.Equal("46 110 416 28318", r.Out.Trim());
    }

    [Fact]
    public void Tokenize_Stdin_ReadsJsonLinesAndReplacesInvalidUtf8()
    {
        var r = CliRunner.RunProcess("\"x = 1\"\n{\"text\": \"<|end|>\"}\n", "tokenize", "--model", Model, "-");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(["{\"ids\":[106,280,225,35]}", "{\"ids\":[49155]}"], r.Out.Trim().Split('\n'));
    }

    [Fact]
    public void Tokenize_StdinMalformedLine_NamesTheLine()
    {
        var r = CliRunner.RunProcess("\"ok\"\n{oops\n", "tokenize", "--model", Model, "-");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("stdin line 2", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Tokenize_MissingModel_FailsWithExitCode2()
    {
        var r = CliRunner.Run("tokenize", "--model", "/no/such/model", "x");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("/no/such/model", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_StarChat_PrintsInferencePromptAndIds()
    {
        string file = Path.Combine(Path.GetTempPath(), $"starchat-msgs-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, "[{\"role\":\"user\",\"content\":\"How do I sort a list in Python?\"}]");
        try
        {
            var r = CliRunner.Run("template", "--model", Model, "--messages", file, "--format", "starchat", "--ids");
            Assert.Equal(0, r.ExitCode);
            var lines = r.Out.Split('\n');
            Assert.Equal("<|system|>\n<|end|>\n<|user|>\nHow do I sort a list in Python?<|end|>\n<|assistant|>", string.Join('\n', lines[..5]));
            Assert.Equal("49152 203 49155 203 49153 203 8257 745 439 3844 312 1149 328 4865 49 49155 203 49154", lines[5].Trim());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Template_ChatTemplateOfFixture_RendersLikeTheStarChatFormat()
    {
        string file = Path.Combine(Path.GetTempPath(), $"starchat-msgs-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, "{\"messages\": [{\"role\":\"system\",\"content\":\"Be nice.\"},{\"role\":\"user\",\"content\":\"Hi <|end|>\"},{\"role\":\"assistant\",\"content\":\"Hello!\"},{\"role\":\"user\",\"content\":\"Sort [3,1]\"}]}");
        try
        {
            var jinja = CliRunner.Run("template", "--model", Model, "--messages", file, "--format", "chat_template", "--ids");
            var hand = CliRunner.Run("template", "--model", Model, "--messages", file, "--format", "starchat", "--ids");
            var auto = CliRunner.Run("template", "--model", Model, "--messages", file, "--ids");
            Assert.Equal(0, jinja.ExitCode);
            Assert.Equal(hand.Out, jinja.Out);
            Assert.Equal(hand.Out, auto.Out);
            Assert.Contains("Hi <|end|><|end|>", jinja.Out, StringComparison.Ordinal);
            // The user's "<|end|>" stays text: only the format's 9 control ids remain (system, end, three turns each closed by end, assistant).
            var ids = jinja.Out.Trim().Split('\n')[^1].Split(' ').Select(int.Parse).ToArray();
            Assert.Equal(9, ids.Count(id => id >= 49152));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Template_UnknownFormat_ListsTheKnownOnes()
    {
        string file = Path.Combine(Path.GetTempPath(), $"starchat-msgs-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, "[]");
        try
        {
            var r = CliRunner.Run("template", "--model", Model, "--messages", file, "--format", "vicuna");
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("starchat, alpaca, ta", r.Err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
