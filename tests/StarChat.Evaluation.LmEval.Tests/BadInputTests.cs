using StarChat.Evaluation.LmEval.Data;
using StarChat.Evaluation.LmEval.Running;
using StarChat.Evaluation.LmEval.Scoring;
using StarChat.Evaluation.LmEval.Tasks;
using StarChat.Evaluation.LmEval.Tests.Models;

namespace StarChat.Evaluation.LmEval.Tests;

public sealed class BadInputTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("starchat-lmeval-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Load_MissingDataFile_NamesTheFile()
    {
        var e = Assert.Throws<DataFileException>(() => TaskRegistry.Load("arc_challenge", _folder));
        Assert.EndsWith(Path.Combine("arc", "ARC-Challenge.test.derived.jsonl"), e.FilePath, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MmluRowWithBadAnswer_NamesFileAndLine()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "mmlu", "data", "test"));
        Directory.CreateDirectory(Path.Combine(_folder, "mmlu", "data", "dev"));
        File.WriteAllText(Path.Combine(_folder, "mmlu", "data", "test", "anatomy_test.csv"), "q,a,b,c,d,A\r\n\"multi\nline\",a,b,c,d,E\r\n");
        File.WriteAllText(Path.Combine(_folder, "mmlu", "data", "dev", "anatomy_dev.csv"), "q,a,b,c,d,B\n");
        var e = Assert.Throws<DataFileException>(() => TaskRegistry.Load("hendrycksTest-anatomy", _folder));
        Assert.Equal(2, e.Line);
        Assert.Contains("answer 'E'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HellaSwagTextWithBrokenItem_NamesFileAndLine()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "hellaswag"));
        File.WriteAllText(Path.Combine(_folder, "hellaswag", "hellaswag_val_full.klosax.txt"), "A: b. c\nx\n1\n2\n3\n4\n");
        var e = Assert.Throws<DataFileException>(() => TaskRegistry.Load("hellaswag", _folder));
        Assert.Equal(2, e.Line);
    }

    [Fact]
    public void Run_ContinuationLongerThanWindow_FailsWithLmEvalException()
    {
        using var model = FixtureModel.CreateModel(threads: 1);
        using var model2 = FixtureModel.CreateModel(threads: 1);
        using var backend = new LocalModelBackend([model, model2], FixtureModel.Tokenizer, [0], "tiny-starchat", maxLength: 4);
        var runner = new LmEvalRunner(backend, FixtureModel.Tokenizer, new LmEvalOptions { Limit = 4 });
        var e = Assert.Throws<LmEvalException>(() => runner.Run(FixtureTasks.Get("arc_challenge"), 0));
        Assert.Contains("does not fit in max_length 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_DocumentLongerThanContext_TruncatesOnTheLeftAndCounts()
    {
        using var model = FixtureModel.CreateModel(threads: 1);
        using var backend = new LocalModelBackend([model], FixtureModel.Tokenizer, [0], "tiny-starchat", maxLength: 64);
        var result = new LmEvalRunner(backend, FixtureModel.Tokenizer, new LmEvalOptions { Limit = 3 }).Run(FixtureTasks.Get("hendrycksTest-anatomy"), 1);
        Assert.Equal(3, result.TruncatedDocuments);
        Assert.All(result.Documents.SelectMany(d => d.Requests), r => Assert.Equal(64, r.Result.InputLength));
        Assert.All(result.Documents.SelectMany(d => d.Requests), r => Assert.True(r.Result.TruncatedTokens > 0));
    }
}
