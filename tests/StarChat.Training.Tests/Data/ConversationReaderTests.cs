using System.Text.Json;
using StarChat.Testing;
using StarChat.Training.Data;

namespace StarChat.Training.Tests.Data;

public sealed class ConversationReaderTests
{
    [Fact]
    public void Read_OasstMessageTrees_GivesTheBestRankedPathsOfTheDerivedFile()
    {
        var fromTrees = ConversationReader.Read(SharedPaths.Data("oasst", "en_100_message.jsonl")).ToList();
        var derived = ConversationReader.Read(SharedPaths.Data("oasst", "en_100_messages.derived.jsonl")).ToList();

        Assert.Equal(100, fromTrees.Count);
        Assert.Equal(derived.Count, fromTrees.Count);
        for (int i = 0; i < derived.Count; i++)
        {
            Assert.Equal(derived[i].Id, fromTrees[i].Id);
            Assert.Equal(derived[i].Messages, fromTrees[i].Messages);
        }
    }

    [Fact]
    public void Parse_AlpacaRecord_GivesUserThenAssistant()
    {
        var c = ConversationReader.Parse("""{"instruction":"Add the numbers.","input":"2, 3","output":"5"}""", 1, "x:1");

        Assert.Equal(["user", "assistant"], c.Messages.Select(m => m.Role));
        Assert.Equal("Add the numbers.\n\n2, 3", c.Messages[0].Content);
        Assert.Equal("5", c.Messages[1].Content);
    }

    [Fact]
    public void Parse_OasstTree_SkipsDeletedRepliesAndTrailingUserTurns()
    {
        const string tree = """
            {"message_id":"a","text":"Q1","role":"prompter","replies":[
              {"message_id":"b","text":"deleted","role":"assistant","rank":0,"deleted":true,"replies":[]},
              {"message_id":"c","text":"second","role":"assistant","rank":1,"replies":[
                {"message_id":"d","text":"Q2","role":"prompter","replies":[]}]},
              {"message_id":"e","text":"third","role":"assistant","rank":2,"replies":[]}]}
            """;
        var c = ConversationReader.Parse(tree.ReplaceLineEndings(""), 1, "x:1");

        Assert.Equal([("user", "Q1"), ("assistant", "second")], c.Messages.Select(m => (m.Role, m.Content)));
    }

    [Theory]
    [InlineData("{\"messages\": [", "not valid JSON")]
    [InlineData("[1, 2]", "expected a JSON object")]
    [InlineData("{\"text\": \"hello\"}", "unknown record")]
    [InlineData("{\"messages\": [{\"role\": \"tool\", \"content\": \"x\"}]}", "role 'tool'")]
    [InlineData("{\"messages\": [{\"role\": \"user\"}]}", "\"content\" must be a string")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"system\", \"content\": \"b\"}]}", "may only come first")]
    public void Parse_BadRecord_ThrowsNamingTheLine(string line, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => ConversationReader.Parse(line, 7, "data.jsonl:7"));
        Assert.StartsWith("data.jsonl:7: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFound()
        => Assert.Throws<FileNotFoundException>(() => ConversationReader.Read("/nonexistent/data.jsonl").ToList());

    [Fact]
    public void Parse_DeeplyNestedJson_ThrowsInsteadOfOverflowing()
    {
        string deep = new string('[', 100_000) + new string(']', 100_000);
        Assert.Throws<InvalidDataException>(() => ConversationReader.Parse(deep, 1, "x:1"));
        _ = JsonValueKind.Array;
    }
}
