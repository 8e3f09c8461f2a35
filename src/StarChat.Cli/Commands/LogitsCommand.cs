using System.CommandLine;
using System.Runtime.InteropServices;
using StarChat.Generation;

namespace StarChat.Cli.Commands;

/// <summary><c>starchat logits</c>: raw float32 logits of a prompt, for comparing with another implementation.</summary>
internal static class LogitsCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var prompt = new Option<string?>("--prompt", "-p") { Description = "Prompt text (special-token text is parsed)" };
        var ids = new Option<string?>("--ids") { Description = "Comma-separated token ids instead of a prompt" };
        var all = new Option<bool>("--all-positions") { Description = "Write a row for every position, not just the last" };
        var output = new Option<FileInfo>("--out", "-o") { Description = "Output file: little-endian float32 [positions × vocab]", Required = true };
        var threads = new Option<int>("--threads", "-t") { Description = "CPU threads (default: all cores)" };
        var exact = SamplingCliOptions.ExactOption();
        var lora = new LoraCliOptions();
        var command = new Command("logits", "Write the next-token logits of a prompt as raw float32.") { model, prompt, ids, all, output, threads, exact };
        lora.AddTo(command);
        command.SetAction(parse =>
        {
            var context = CliContext.From(parse);
            return CliErrors.Run(context, () =>
            {
                string? text = parse.GetValue(prompt), idList = parse.GetValue(ids);
                if ((text is null) == (idList is null))
                    return context.Fail(ExitCodes.BadInput, "give exactly one of --prompt and --ids");
                using var local = LocalModel.Load(CommonOptions.RequireModel(parse.GetValue(model), context), new() { Threads = parse.GetValue(threads), QuantizedMatMul = SamplingCliOptions.QuantizedMatMulOf(parse, exact), Adapters = lora.Adapters(parse, context) });
                int[] tokens = text is not null ? local.Text.Tokenizer.Encode(text) : ParseIds(idList!);
                if (tokens.Length == 0)
                    return context.Fail(ExitCodes.BadInput, "the prompt is empty");
                int vocab = local.Model.VocabSize;
                foreach (int id in tokens)
                    if ((uint)id >= (uint)vocab)
                        return context.Fail(ExitCodes.BadInput, $"token id {id} is outside the vocabulary (0..{vocab - 1})");
                if (tokens.Length > local.Model.ContextLength)
                    return context.Fail(ExitCodes.BadInput, $"{tokens.Length} tokens do not fit in the context of {local.Model.ContextLength}");
                bool everyRow = parse.GetValue(all) && tokens.Length > 1;
                var logits = new float[(everyRow ? tokens.Length : 1) * vocab];
                using (var session = local.Model.CreateSession())
                    session.Append(tokens, logits);
                var file = parse.GetValue(output)!;
                string temp = file.FullName + ".tmp";
                File.WriteAllBytes(temp, MemoryMarshal.AsBytes(logits.AsSpan()).ToArray());
                File.Move(temp, file.FullName, overwrite: true);
                context.Err.WriteLine($"wrote {(everyRow ? tokens.Length : 1)} × {vocab} float32 logits for {tokens.Length} tokens to {file.FullName}");
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    private static int[] ParseIds(string text)
    {
        try
        {
            return [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse)];
        }
        catch (FormatException e)
        {
            throw new FormatException($"--ids: expected comma-separated integers, got '{text}'", e);
        }
    }
}
