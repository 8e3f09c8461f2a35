using System.Text.Json;
using StarChat.Testing;

namespace StarChat.Evaluation.LmEval.Tests;

/// <summary>
/// shared/fixtures/lm-eval/expected.json: prompts, ids, log-likelihoods and predictions computed independently (float64
/// numpy GPTBigCode following LE-PIN) for tiny-starchat; tolerances from its README §5.
/// </summary>
internal static class ReferenceFixtures
{
    private static readonly Lazy<JsonDocument> s_doc = new(() => JsonDocument.Parse(File.ReadAllBytes(SharedPaths.Fixtures("lm-eval", "expected.json"))));

    public static JsonElement Root => s_doc.Value.RootElement;

    public static string DataFolder => SharedPaths.Data("lm-eval");

    public static JsonElement Form(string task, string form) => Root.GetProperty("tasks").GetProperty(task).GetProperty("forms").GetProperty(form);

    /// <summary>Every (task, form) pair in the file, for theories.</summary>
    public static TheoryData<string, string> Forms(bool generation)
    {
        var data = new TheoryData<string, string>();
        foreach (var task in Root.GetProperty("tasks").EnumerateObject())
        {
            if ((task.Name == "gsm8k") != generation) continue;
            foreach (var form in task.Value.GetProperty("forms").EnumerateObject())
                data.Add(task.Name, form.Name);
        }
        return data;
    }

    public static int[] Ints(JsonElement e) => [.. e.EnumerateArray().Select(x => x.GetInt32())];

    public static string[] Strings(JsonElement e) => [.. e.EnumerateArray().Select(x => x.GetString()!)];

    /// <summary>README §5: |Δll| ≤ max(1e-3, 1e-6·|ll|).</summary>
    public static void LoglikelihoodClose(double expected, double actual, string what)
    {
        double tolerance = Math.Max(1e-3, 1e-6 * Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: log-likelihood {actual} vs reference {expected} (tolerance {tolerance})");
    }
}
