using System.Diagnostics;
using System.Text.Json;
using StarChat.Testing;

namespace StarChat.Text.Tests.Tokenization;

/// <summary>
/// Runs the Hugging Face <c>tokenizers</c> Rust library (Node binding, installed by <c>.ci/install.sh</c> into
/// <c>bench/tokenizer</c>) as a live reference: many strings encoded by both, compared id for id.
/// </summary>
internal static class HfTokenizersOracle
{
    public static int[][] Encode(string tokenizerJson, IReadOnlyList<string> texts)
        => [.. Run(tokenizerJson, texts.Select(t => JsonSerializer.Serialize(new { text = t })))
            .Select(r => r.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray())];

    public static string[] Decode(string tokenizerJson, IReadOnlyList<int[]> idLists)
        => [.. Run(tokenizerJson, idLists.Select(ids => JsonSerializer.Serialize(new { ids })))
            .Select(r => r.GetProperty("text").GetString()!)];

    private static List<JsonElement> Run(string tokenizerJson, IEnumerable<string> requests)
    {
        string folder = Path.Combine(SharedPaths.Repository, "bench", "tokenizer");
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "@anush008", "tokenizers")))
            Assert.Fail($"Hugging Face tokenizers (npm @anush008/tokenizers) is not installed in {folder}: run .ci/install.sh");
        var psi = new ProcessStartInfo("node", [Path.Combine(folder, "oracle.js"), tokenizerJson])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = folder,
        };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        foreach (var r in requests)
            process.StandardInput.WriteLine(r);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the tokenizers oracle did not finish in 2 minutes");
        }
        Assert.True(process.ExitCode == 0, $"oracle failed: {stderr.Result}");
        return [.. stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
    }
}
