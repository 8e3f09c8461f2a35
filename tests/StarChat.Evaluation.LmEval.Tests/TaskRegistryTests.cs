using StarChat.Evaluation.LmEval.Tasks;

namespace StarChat.Evaluation.LmEval.Tests;

public class TaskRegistryTests
{
    [Fact]
    public void Parse_Mmlu_ExpandsToAllSubjectsInOneGroup()
    {
        var tasks = TaskRegistry.Parse("mmlu");
        Assert.Equal(57, tasks.Count);
        Assert.All(tasks, t => Assert.Equal("mmlu", t.Group));
        Assert.Equal("hendrycksTest-abstract_algebra", tasks[0].Name);
    }

    [Fact]
    public void Parse_SubjectUnderBothNames_GivesOneHarnessTask()
    {
        var tasks = TaskRegistry.Parse("mmlu_anatomy:3, hendrycksTest-anatomy");
        var task = Assert.Single(tasks);
        Assert.Equal(("hendrycksTest-anatomy", (int?)3), (task.Name, task.FewShot));
    }

    [Fact]
    public void Parse_UnknownName_ListsValidTasks()
    {
        var e = Assert.Throws<LmEvalException>(() => TaskRegistry.Parse("arc_challenge,mmlu_cooking"));
        Assert.Contains("unknown task 'mmlu_cooking'", e.Message, StringComparison.Ordinal);
        Assert.Contains("world_religions", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BadShotCount_SaysSo()
        => Assert.Contains("non-negative integer", Assert.Throws<LmEvalException>(() => TaskRegistry.Parse("gsm8k:five")).Message, StringComparison.Ordinal);

    [Fact]
    public void Create_TruthfulQaWithShots_RefusesAsTheHarnessDoes()
        => Assert.Contains("zero-shot only", Assert.Throws<LmEvalException>(() => FewShotPlan.Create(FixtureTasks.Get("truthfulqa_mc"), 2)).Message, StringComparison.Ordinal);

    [Fact]
    public void Create_HellaSwagShotsWithoutTrainingFile_ExplainsTheFix()
        => Assert.Contains("hellaswag:0", Assert.Throws<LmEvalException>(() => FewShotPlan.Create(FixtureTasks.Get("hellaswag"), 10)).Message, StringComparison.Ordinal);

    [Fact]
    public void Create_MmluMoreShotsThanDevRows_TakesAllRowsLikePythonSlicing()
        => Assert.Equal([0, 1, 2, 3, 4], FewShotPlan.Create(FixtureTasks.Get("hendrycksTest-anatomy"), 8).Examples(0));
}
