using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using StarChat.Generation;
using StarChat.Generation.Chat;
using StarChat.Generation.Sampling;
using StarChat.Generation.Text;

namespace StarChat.Cli.Commands;

/// <summary>
/// <c>starchat chat</c>: an interactive conversation in the terminal. Replies stream as they are generated; Ctrl+C
/// stops the current reply (not the program); slash commands change settings; old turns are dropped when the
/// context fills. Works with piped input too (one message per line), for scripts and tests.
/// </summary>
internal static class ChatCommand
{
    private const string Help = """
        /reset              start a new conversation
        /system TEXT        set the system prompt (and reset)
        /set NAME VALUE     temperature, top_k, top_p, min_p, typical_p, repetition_penalty, max_new_tokens, seed, greedy
        /settings           show the sampling settings
        /save FILE          save the conversation as JSON
        /load FILE          load a saved conversation
        /exit               quit (also Ctrl+D; Ctrl+C stops a reply)
        A line ending in \ continues on the next line.
        """;

    public static Command Create()
    {
        var model = CommonOptions.Model();
        var system = new Option<string?>("--system") { Description = "System prompt" };
        var format = new Option<string>("--format") { Description = $"Chat format: {string.Join(", ", ChatFormats.Names)}", DefaultValueFactory = _ => "auto" };
        var taPrompt = new Option<string?>("--ta-prompt") { Description = "Technical-assistant prompt text for --format ta", DefaultValueFactory = _ => DefaultPaths.TechnicalAssistantPrompt };
        var sampling = new SamplingCliOptions();
        var command = new Command("chat", "Chat with a model in the terminal (streamed replies, slash commands, Ctrl+C stops a reply).")
        {
            model, system, format, taPrompt,
        };
        sampling.AddTo(command);
        command.SetAction(parse =>
        {
            var context = CliContext.From(parse);
            return CliErrors.Run(context, () =>
            {
                var options = sampling.Sampling(parse);
                using var local = LocalModel.Load(CommonOptions.RequireModel(parse.GetValue(model), context), sampling.Engine(parse, context));
                var chatFormat = ChatFormats.Create(parse.GetValue(format)!, local.Text, parse.GetValue(taPrompt));
                using var session = new ChatSession(local, chatFormat, options, parse.GetValue(system));
                return Loop(context, local, session);
            });
        });
        return command;
    }

    /// <summary>Commands whose Ctrl+C must not end the process (System.CommandLine's default termination is turned off).</summary>
    public static bool HandlesInterrupts(ParseResult parse) => parse.CommandResult.Command.Name == "chat";

    private static int Loop(CliContext context, LocalModel local, ChatSession session)
    {
        var console = context.Console;
        console.MarkupLine($"[bold]StarChat[/] · {Markup.Escape(Path.GetFileName(local.Files.Path.TrimEnd('/')))} · format [green]{session.Format.Name}[/] · context {local.Model.ContextLength} tokens");
        console.MarkupLine("[grey]/help for commands, /exit to quit, Ctrl+C stops a reply[/]");

        CancellationTokenSource? replying = null;
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            // While a reply streams, Ctrl+C stops it and the conversation goes on; at the prompt it quits.
            var current = Volatile.Read(ref replying);
            if (current is not null)
            {
                e.Cancel = true;
                current.Cancel();
            }
        }
        Console.CancelKeyPress += OnCancel;
        try
        {
            while (true)
            {
                console.Markup("[bold blue]you>[/] ");
                string? line = ReadMessage();
                if (line is null)
                {
                    context.Out.WriteLine();
                    return ExitCodes.Ok;
                }
                if (line.Trim().Length == 0)
                    continue;
                if (line.StartsWith('/'))
                {
                    if (!Command(context, session, line.Trim()))
                        return ExitCodes.Ok;
                    continue;
                }

                var stats = new GenerationStats();
                using var cts = new CancellationTokenSource();
                Volatile.Write(ref replying, cts);
                int dropped = session.DroppedTurns;
                console.Markup("[bold green]assistant>[/] ");
                bool interrupted = false;
                try
                {
                    foreach (var chunk in session.Send(line, stats, cts.Token))
                    {
                        context.Out.Write(chunk);
                        context.Out.Flush();
                    }
                }
                catch (OperationCanceledException)
                {
                    interrupted = true;
                }
                finally
                {
                    Volatile.Write(ref replying, null);
                }
                context.Out.WriteLine();
                if (session.DroppedTurns > dropped)
                    console.MarkupLine($"[yellow](context full: dropped the {session.DroppedTurns - dropped} oldest exchange(s))[/]");
                console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                    $"[grey]{(interrupted ? "[[interrupted]] " : "")}{stats.GeneratedTokens} tokens, {stats.TokensPerSecond:F1} tokens/s · prompt {stats.PromptTokens} tokens ({stats.ReusedPromptTokens} cached) in {stats.PromptTime.TotalSeconds:F2} s[/]"));
            }
        }
        finally
        {
            Console.CancelKeyPress -= OnCancel;
        }
    }

    /// <summary>One message; a trailing backslash joins the next line.</summary>
    private static string? ReadMessage()
    {
        string? line = Console.In.ReadLine();
        if (line is null) return null;
        var text = new System.Text.StringBuilder();
        while (line is not null && line.EndsWith('\\'))
        {
            text.Append(line.AsSpan(0, line.Length - 1)).Append('\n');
            line = Console.In.ReadLine();
        }
        return text.Append(line).ToString();
    }

    /// <summary>Runs a slash command; false means quit.</summary>
    private static bool Command(CliContext context, ChatSession session, string line)
    {
        var console = context.Console;
        int space = line.IndexOf(' ', StringComparison.Ordinal);
        string name = space < 0 ? line : line[..space];
        string argument = space < 0 ? "" : line[(space + 1)..].Trim();
        try
        {
            switch (name)
            {
                case "/exit" or "/quit":
                    return false;
                case "/help":
                    context.Out.WriteLine(Help);
                    break;
                case "/reset":
                    session.Reset();
                    console.MarkupLine("[grey]new conversation[/]");
                    break;
                case "/system":
                    session.System = argument.Length == 0 ? null : argument;
                    session.Reset();
                    console.MarkupLine("[grey]system prompt set; new conversation[/]");
                    break;
                case "/set":
                    session.Sampling = Set(session.Sampling, argument);
                    console.MarkupLine($"[grey]{Markup.Escape(Describe(session.Sampling))}[/]");
                    break;
                case "/settings":
                    console.MarkupLine($"[grey]{Markup.Escape(Describe(session.Sampling))}[/]");
                    break;
                case "/save":
                    session.Save(Require(argument, "/save FILE"));
                    console.MarkupLine($"[grey]saved {session.History.Count} messages to {Markup.Escape(argument)}[/]");
                    break;
                case "/load":
                    session.Load(Require(argument, "/load FILE"));
                    console.MarkupLine($"[grey]loaded {session.History.Count} messages[/]");
                    break;
                default:
                    console.MarkupLine($"[red]unknown command {Markup.Escape(name)}[/] (/help lists them)");
                    break;
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or IOException or UnauthorizedAccessException)
        {
            console.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
        }
        return true;
    }

    private static string Require(string argument, string usage)
        => argument.Length > 0 ? argument : throw new ArgumentException($"usage: {usage}");

    private static SamplingOptions Set(SamplingOptions options, string argument)
    {
        var parts = argument.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length != 2)
            throw new ArgumentException("usage: /set NAME VALUE (e.g. /set temperature 0.5)");
        string value = parts[1];
        float F() => float.Parse(value, CultureInfo.InvariantCulture);
        int I() => int.Parse(value, CultureInfo.InvariantCulture);
        var updated = parts[0].Replace('-', '_') switch
        {
            "temperature" => options with { Temperature = F(), DoSample = F() > 0 },
            "top_k" => options with { TopK = I() },
            "top_p" => options with { TopP = F() },
            "min_p" => options with { MinP = F() },
            "typical_p" => options with { TypicalP = F() },
            "repetition_penalty" => options with { RepetitionPenalty = F() },
            "max_new_tokens" => options with { MaxNewTokens = I() },
            "seed" => options with { Seed = I() },
            "greedy" => options with { DoSample = !bool.Parse(value) },
            var other => throw new ArgumentException($"unknown setting '{other}'"),
        };
        updated.Validate();
        return updated;
    }

    private static string Describe(SamplingOptions o)
    {
        static string V(object? value) => value is null ? "off" : Convert.ToString(value, CultureInfo.InvariantCulture)!;
        return $"{(o.DoSample ? "sampling" : "greedy")}: temperature {V(o.Temperature)}, top_k {V(o.TopK)}, top_p {V(o.TopP)}, min_p {V(o.MinP)}, "
            + $"typical_p {V(o.TypicalP)}, repetition_penalty {V(o.RepetitionPenalty)}, max_new_tokens {o.MaxNewTokens}, seed {(o.Seed is null ? "random" : V(o.Seed))}";
    }
}
