using System.Diagnostics;
using System.Text.Json;
using StarChat.Text.Tokenization;

namespace StarChat.Benchmarks;

/// <summary>
/// Tokens per second on a corpus (JSON lines of strings), one thread, for bench/tokenizer/compare.sh. The first run
/// starts with an empty word cache; later runs show the steady state, as a server sees it.
/// </summary>
internal static class TokenizerThroughput
{
    public static int Run(string tokenizerPath, string corpusPath, int runs)
    {
        var (definition, _) = TokenizerFiles.Load(tokenizerPath);
        var tokenizer = ByteLevelBpeTokenizer.Create(definition);
        string[] docs = [.. File.ReadLines(corpusPath).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<string>(l)!)];
        var rates = new List<double>();
        long tokens = 0;
        var ids = new List<int>(1 << 16);
        for (int r = 0; r < runs; r++)
        {
            tokens = 0;
            var watch = Stopwatch.StartNew();
            foreach (var doc in docs)
            {
                ids.Clear();
                tokenizer.Encode(doc, ids, parseSpecialTokens: true);
                tokens += ids.Count;
            }
            rates.Add(tokens / watch.Elapsed.TotalSeconds);
        }
        Console.WriteLine(JsonSerializer.Serialize(new { engine = "StarChat.NET", documents = docs.Length, tokens, runs = rates }));
        return 0;
    }
}
