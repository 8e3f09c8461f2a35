using System.CommandLine;
using StarChat.Generation;
using StarChat.Generation.Text;
using StarChat.Text.Chat;

namespace StarChat.Cli.Commands;

/// <summary><c>starchat run</c>: streams a completion of a raw prompt, a fill-in-the-middle gap, or one chat message.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var prompt = new Option<string?>("--prompt", "-p") { Description = "Raw prompt to continue (special-token text in it is parsed)" };
        var suffix = new Option<string?>("--suffix") { Description = "With --prompt: fill in the middle between the prompt (prefix) and this suffix" };
        var chat = new Option<string?>("--chat") { Description = "One user message, put through the model's chat format" };
        var system = new Option<string?>("--system") { Description = "System prompt for --chat" };
        var format = new Option<string>("--format") { Description = $"Chat format for --chat: {string.Join(", ", ChatFormats.Names)}", DefaultValueFactory = _ => "auto" };
        var stop = new Option<string[]>("--stop") { Description = "Stop string (repeatable)", AllowMultipleArgumentsPerToken = false };
        var noSpecial = new Option<bool>("--no-special") { Description = "Treat --prompt as plain text (no control tokens)" };
        var sampling = new SamplingCliOptions();
        var command = new Command("run", "Generate a completion (streamed) from a prompt or a chat message.")
        {
            model, prompt, suffix, chat, system, format, stop, noSpecial,
        };
        sampling.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            var context = CliContext.From(parse);
            return CliErrors.RunAsync(context, () => Task.FromResult(Execute(context, parse, ct)));
        });
        return command;

        int Execute(CliContext context, ParseResult parse, CancellationToken ct)
        {
            string? promptText = parse.GetValue(prompt), chatText = parse.GetValue(chat);
            if ((promptText is null) == (chatText is null))
                return context.Fail(ExitCodes.BadInput, "give exactly one of --prompt and --chat");
            if (parse.GetValue(suffix) is not null && promptText is null)
                return context.Fail(ExitCodes.BadInput, "--suffix needs --prompt (the prefix)");
            var options = sampling.Sampling(parse);
            using var local = LocalModel.Load(CommonOptions.RequireModel(parse.GetValue(model), context), sampling.Engine(parse, context));
            var tokenizer = local.Text.Tokenizer;

            int[] ids;
            var stopIds = new List<int>(local.EndOfTextIds);
            var stops = new List<string>(parse.GetValue(stop) ?? []);
            if (chatText is not null)
            {
                var chatFormat = ChatFormats.Create(parse.GetValue(format)!, local.Text, DefaultPaths.TechnicalAssistantPrompt);
                var messages = new List<ChatMessage>();
                if (parse.GetValue(system) is { } s) messages.Add(ChatMessage.System(s));
                messages.Add(ChatMessage.User(chatText));
                ids = tokenizer.Encode(chatFormat.Render(messages, addGenerationPrompt: true));
                foreach (var stopText in chatFormat.StopStrings)
                {
                    if (tokenizer.TokenToId(stopText) is { } id && tokenizer.IsSpecial(id)) stopIds.Add(id);
                    else stops.Add(stopText);
                }
            }
            else if (parse.GetValue(suffix) is { } suffixText)
            {
                var fim = FillInTheMiddle.Detect(t => tokenizer.TokenToId(t) is not null)
                    ?? throw new ArgumentException("the model's vocabulary has no fill-in-the-middle tokens");
                ids = tokenizer.Encode(fim.Build(promptText!, suffixText));
            }
            else
            {
                ids = tokenizer.Encode(promptText!, parseSpecialTokens: !parse.GetValue(noSpecial));
            }
            if (ids.Length == 0)
                return context.Fail(ExitCodes.BadInput, "the prompt is empty");

            var stats = new GenerationStats();
            var request = new GenerationRequest { PromptIds = ids, Sampling = options, StopTokenIds = stopIds, StopStrings = stops };
            bool trimStart = chatText is not null;
            try
            {
                foreach (var step in new TextGenerator(local.Model, tokenizer).Stream(request, stats, ct))
                {
                    string text = step.Text;
                    if (trimStart)
                    {
                        text = text.TrimStart();
                        trimStart = text.Length == 0;
                    }
                    context.Out.Write(text);
                    context.Out.Flush();
                    if (step.Finish is { } finish)
                        context.Err.WriteLine($"\n[{finish}: {stats.PromptTokens} prompt tokens in {stats.PromptTime.TotalSeconds:F2} s, {stats.GeneratedTokens} tokens at {stats.TokensPerSecond:F1} tokens/s]");
                }
            }
            catch (OperationCanceledException)
            {
                context.Err.WriteLine("\n[interrupted]");
                return ExitCodes.Cancelled;
            }
            context.Out.WriteLine();
            return ExitCodes.Ok;
        }
    }
}
