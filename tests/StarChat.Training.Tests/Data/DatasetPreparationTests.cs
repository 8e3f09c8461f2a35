using System.Text.Json;
using StarChat.Testing;
using StarChat.Training.Data;
using StarChat.Training.Tests.Fixtures;

namespace StarChat.Training.Tests.Data;

public sealed class DatasetPreparationTests
{
    private static string Derived => SharedPaths.Data("oasst", "en_100_messages.derived.jsonl");

    [Fact]
    public void Run_FirstFourOasstDialogues_ReproducesTheTrainingFixtureIdsAndLabels()
    {
        using var temp = new TempFolder();
        string input = temp.File("four.jsonl");
        File.WriteAllLines(input, File.ReadLines(Derived).Take(4));

        var stats = DatasetPreparation.Run(new DataPreparationOptions { InputPath = input, OutputFolder = temp.File("out"), BlockSize = 256, TestSplit = 0 }, TestTokenizer.StarChat);

        var rows = TrainingFixture.Instance.Rows;
        var written = ReadExamples(temp.File("out/train.jsonl"));
        Assert.Equal(4, written.Count);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(rows[i].InputIds[..rows[i].Length], written[i].Ids);
            Assert.Equal(rows[i].Labels[..rows[i].Length], written[i].Labels);
        }
        Assert.Equal(3, stats.Truncated);   // 491, 499 and 374 tokens cut to 256
        Assert.Equal(491 + 499 + 374 - 3 * 256, stats.TruncatedTokens);
        Assert.Equal(110 + 3 * 256, stats.Tokens);
        Assert.Empty(File.ReadAllLines(temp.File("out/test.jsonl")));
    }

    [Fact]
    public void Run_HundredDialogues_MasksExactlyWhatTheIdRuleMasks()
    {
        using var temp = new TempFolder();
        var stats = DatasetPreparation.Run(new DataPreparationOptions { InputPath = Derived, OutputFolder = temp.Path, BlockSize = 100_000, TestSplit = 0 }, TestTokenizer.StarChat);

        var written = ReadExamples(temp.File("train.jsonl"));
        Assert.Equal(100, written.Count);
        foreach (var (ids, labels) in written)
            Assert.Equal(TestTokenizer.MaskByIds(ids), labels);
        Assert.Equal(0, stats.Truncated);
        Assert.InRange(stats.MaskedShare, 0.05, 0.6);
    }

    [Fact]
    public void Run_TestSplit_HoldsOutTheLastTenthRoundedUp()
    {
        using var temp = new TempFolder();
        var stats = DatasetPreparation.Run(new DataPreparationOptions { InputPath = Derived, OutputFolder = temp.Path, TestSplit = 0.05 }, TestTokenizer.StarChat);

        Assert.Equal((95, 5), (stats.TrainDialogues, stats.TestDialogues));
        var trl = File.ReadAllLines(temp.File("trl/test.jsonl"));
        var lastFive = File.ReadLines(Derived).Skip(95).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("messages").GetRawText());
        Assert.Equal(lastFive.Select(Normalize), trl.Select(l => Normalize(JsonDocument.Parse(l).RootElement.GetProperty("messages").GetRawText())));
    }

    [Fact]
    public void Run_ShuffleSeed_IsDeterministicAndReorders()
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        using var c = new TempFolder();
        var options = new DataPreparationOptions { InputPath = Derived, OutputFolder = a.Path, ShuffleSeed = 42, TestSplit = 0 };
        DatasetPreparation.Run(options, TestTokenizer.StarChat);
        DatasetPreparation.Run(options with { OutputFolder = b.Path }, TestTokenizer.StarChat);
        DatasetPreparation.Run(options with { OutputFolder = c.Path, ShuffleSeed = null }, TestTokenizer.StarChat);

        Assert.Equal(File.ReadAllText(a.File("train.jsonl")), File.ReadAllText(b.File("train.jsonl")));
        Assert.NotEqual(File.ReadAllText(a.File("train.jsonl")), File.ReadAllText(c.File("train.jsonl")));
        Assert.Equal(File.ReadAllLines(a.File("train.jsonl")).Order(), File.ReadAllLines(c.File("train.jsonl")).Order());
    }

    [Fact]
    public void Run_Pack_CutsFullBlocksAndKeepsEveryToken()
    {
        using var packed = new TempFolder();
        using var whole = new TempFolder();
        var options = new DataPreparationOptions { InputPath = Derived, OutputFolder = packed.Path, Pack = true, BlockSize = 300, TestSplit = 0 };
        var stats = DatasetPreparation.Run(options, TestTokenizer.StarChat);
        DatasetPreparation.Run(options with { OutputFolder = whole.Path, Pack = false, BlockSize = 100_000 }, TestTokenizer.StarChat);

        var blocks = ReadExamples(packed.File("train.jsonl"));
        var dialogues = ReadExamples(whole.File("train.jsonl"));
        Assert.All(blocks.SkipLast(1), b => Assert.Equal(300, b.Ids.Length));
        Assert.Equal(dialogues.SelectMany(d => d.Ids), blocks.SelectMany(b => b.Ids));
        Assert.Equal(dialogues.SelectMany(d => d.Labels), blocks.SelectMany(b => b.Labels));
        Assert.Equal(blocks.Count, stats.TrainExamples);
        Assert.Equal(0, stats.Truncated);
    }

    [Fact]
    public void Run_EmptyAndAssistantlessDialogues_AreSkippedAndCounted()
    {
        using var temp = new TempFolder();
        string input = temp.File("bad.jsonl");
        File.WriteAllLines(input,
        [
            """{"messages": []}""",
            """{"messages": [{"role": "user", "content": "Anyone there?"}]}""",
            """{"messages": [{"role": "system", "content": "Be brief."}]}""",
            "",
            """{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}""",
            Dialogue("A very long question? " + string.Concat(Enumerable.Repeat("word ", 300)), "Short."),
        ]);

        var stats = DatasetPreparation.Run(new DataPreparationOptions { InputPath = input, OutputFolder = temp.File("out"), BlockSize = 64, TestSplit = 0 }, TestTokenizer.StarChat);

        Assert.Equal(5, stats.Dialogues);
        Assert.Equal(1, stats.SkippedEmpty);
        Assert.Equal(2, stats.SkippedNoAssistant);
        Assert.Equal(1, stats.SkippedAssistantBeyondBlock);
        Assert.Equal(1, stats.TrainExamples);
        using var json = JsonDocument.Parse(File.ReadAllText(temp.File("out/stats.json")));
        Assert.Equal(2, json.RootElement.GetProperty("skipped_no_assistant").GetInt32());
    }

    [Fact]
    public void Run_LongDialogue_IsTruncatedToTheBlockAndCounted()
    {
        using var temp = new TempFolder();
        string input = temp.File("long.jsonl");
        File.WriteAllLines(input, [Dialogue("Hi", string.Concat(Enumerable.Repeat("word ", 300)))]);

        var stats = DatasetPreparation.Run(new DataPreparationOptions { InputPath = input, OutputFolder = temp.Path, BlockSize = 64, TestSplit = 0 }, TestTokenizer.StarChat);

        Assert.Equal(1, stats.Truncated);
        Assert.Equal(64, ReadExamples(temp.File("train.jsonl")).Single().Ids.Length);
    }

    [Fact]
    public void Run_AlpacaFormat_MasksTheInstructionAndLearnsTheResponseAndEndOfText()
    {
        using var temp = new TempFolder();
        string input = temp.File("alpaca.jsonl");
        File.WriteAllLines(input, ["""{"instruction": "Reverse a list in Python.", "input": "", "output": "Use xs[::-1]."}"""]);

        DatasetPreparation.Run(new DataPreparationOptions { InputPath = input, OutputFolder = temp.Path, Format = DialogueFormat.Alpaca, TestSplit = 0 }, TestTokenizer.StarChat);

        var (ids, labels) = ReadExamples(temp.File("train.jsonl")).Single();
        var tokenizer = TestTokenizer.StarChat;
        string text = tokenizer.Decode(ids);
        Assert.StartsWith("Below is an instruction that describes a task.", text, StringComparison.Ordinal);
        Assert.EndsWith("### Response:\nUse xs[::-1].<|endoftext|>", text, StringComparison.Ordinal);
        Assert.Equal(0, ids[^1]);
        string learned = tokenizer.Decode([.. labels.Where(l => l >= 0)]);
        Assert.DoesNotContain("Reverse a list", learned, StringComparison.Ordinal);
        Assert.Contains("### Response:\nUse xs[::-1].<|endoftext|>", learned, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_SystemPrompt_IsWrittenIntoTheSystemTurn()
    {
        using var temp = new TempFolder();
        string input = temp.File("one.jsonl");
        File.WriteAllLines(input, File.ReadLines(Derived).Take(1));

        DatasetPreparation.Run(new DataPreparationOptions { InputPath = input, OutputFolder = temp.Path, System = "You write code.", TestSplit = 0 }, TestTokenizer.StarChat);

        var (ids, _) = ReadExamples(temp.File("train.jsonl")).Single();
        Assert.StartsWith("<|system|>\nYou write code.<|end|>\n<|user|>\n", TestTokenizer.StarChat.Decode(ids), StringComparison.Ordinal);
        Assert.Contains("\"role\":\"system\",\"content\":\"You write code.\"", File.ReadAllText(temp.File("trl/train.jsonl")), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_SplitLeavingNothingToTrain_Throws()
    {
        using var temp = new TempFolder();
        string input = temp.File("one.jsonl");
        File.WriteAllLines(input, File.ReadLines(Derived).Take(1));

        var e = Assert.Throws<ArgumentException>(() => DatasetPreparation.Run(new DataPreparationOptions { InputPath = input, OutputFolder = temp.Path, TestSplit = 0.5 }, TestTokenizer.StarChat));
        Assert.Contains("no training dialogue", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_IdOutsideTheVocabulary_ThrowsNamingTheLine()
    {
        using var temp = new TempFolder();
        File.WriteAllLines(temp.File("train.jsonl"), ["""{"input_ids":[1,2,3],"labels":[1,2,3]}""", """{"input_ids":[1,99999],"labels":[-100,99999]}"""]);

        var e = Assert.Throws<InvalidDataException>(() => TrainingDataset.Load(temp.Path, 49156, 512));
        Assert.Contains("train.jsonl:2", e.Message, StringComparison.Ordinal);
        Assert.Contains("99999", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LabelsOfOtherLength_ThrowsNamingTheLine()
    {
        using var temp = new TempFolder();
        File.WriteAllLines(temp.File("train.jsonl"), ["""{"input_ids":[1,2,3],"labels":[1,2]}"""]);

        var e = Assert.Throws<InvalidDataException>(() => TrainingDataset.Load(temp.Path, 49156, 512));
        Assert.Contains("train.jsonl:1: 3 input_ids but 2 labels", e.Message, StringComparison.Ordinal);
    }

    private static string Dialogue(string user, string assistant)
        => JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content = user }, new { role = "assistant", content = assistant } } });

    private static string Normalize(string json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement);

    private static List<(int[] Ids, int[] Labels)> ReadExamples(string path)
        => [.. File.ReadLines(path).Select(l =>
        {
            using var doc = JsonDocument.Parse(l);
            return (doc.RootElement.GetProperty("input_ids").EnumerateArray().Select(v => v.GetInt32()).ToArray(),
                doc.RootElement.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32()).ToArray());
        })];
}
