using System.CommandLine;
using StarChat.Evaluation.Perplexity;
using StarChat.Generation;

namespace StarChat.Cli.Commands;

/// <summary><c>starchat eval perplexity</c>: llama-perplexity's estimate (or Hugging Face's strided one) for a text file.</summary>
internal static class EvalPerplexityCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var file = new Option<FileInfo>("--file", "-f") { Description = "Text file to score (read as UTF-8; special-token text is not parsed)", Required = true };
        var context = new Option<int>("-c", "--ctx") { Description = "Context per chunk, as llama-perplexity -c", DefaultValueFactory = _ => 512 };
        var batch = new Option<int?>("-b", "--batch") { Description = "Tokens evaluated per pass (default: the whole chunk)" };
        var stride = new Option<int?>("--stride") { Description = "Use Hugging Face's strided sliding window with this stride instead of llama-perplexity's chunks" };
        var threads = new Option<int>("--threads", "-t") { Description = "CPU threads (default: all cores)" };
        var command = new Command("perplexity", "Perplexity of a text, as llama.cpp's llama-perplexity computes it (or strided, as in the Hugging Face docs).")
        {
            model, file, context, batch, stride, threads,
        };
        command.SetAction((parse, ct) =>
        {
            var cli = CliContext.From(parse);
            return CliErrors.RunAsync(cli, () => Task.FromResult(Execute(cli, parse, ct)));
        });
        return command;

        int Execute(CliContext cli, ParseResult parse, CancellationToken ct)
        {
            int ctx = parse.GetValue(context);
            var options = new StarChat.Engine.Models.GptBigCode.ModelOptions
            {
                Threads = parse.GetValue(threads),
                MaxBatch = parse.GetValue(batch) is { } b and > 0 ? b : Math.Max(1, ctx),
            };
            using var local = LocalModel.Load(CommonOptions.RequireModel(parse.GetValue(model), cli), options);
            var text = File.ReadAllText(parse.GetValue(file)!.FullName);
            int[] tokens = local.Text.Tokenizer.Encode(text, parseSpecialTokens: false);
            cli.Err.WriteLine($"{tokens.Length} tokens; context {ctx}");
            var result = parse.GetValue(stride) is { } s
                ? PerplexityEstimator.Strided(local.Model, tokens, ctx, s, null, ct)
                : PerplexityEstimator.NonOverlapping(local.Model, tokens, ctx, null, ct);
            for (int i = 0; i < result.Chunks.Count; i++)
                cli.Out.Write($"[{i + 1}]{result.Chunks[i]:F4},");
            cli.Out.WriteLine();
            cli.Out.WriteLine($"Final estimate: PPL = {result.Final:F4} +/- {result.Uncertainty:F5} ({result.ScoredTokens} tokens scored)");
            return ExitCodes.Ok;
        }
    }
}
