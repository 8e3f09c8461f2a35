using System.Collections.Concurrent;
using StarChat.Evaluation.LmEval.Tasks;

namespace StarChat.Evaluation.LmEval.Tests;

/// <summary>Tasks loaded once per test run from shared/data/lm-eval.</summary>
internal static class FixtureTasks
{
    private static readonly ConcurrentDictionary<string, LmTask> s_tasks = new();

    public static LmTask Get(string name) => s_tasks.GetOrAdd(name, n => TaskRegistry.Load(n, ReferenceFixtures.DataFolder));

    public static int Shots(string form) => int.Parse(form.Split('-')[0]);
}
