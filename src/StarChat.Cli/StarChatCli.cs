using System.CommandLine;
using StarChat.Cli.Commands;

namespace StarChat.Cli;

/// <summary>The command tree: every command is defined in its own file under Commands/ and registered here.</summary>
internal static class StarChatCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("StarChat.NET: run, serve, evaluate and fine-tune StarCoder-family coding assistants.");
        foreach (var command in Commands())
            root.Subcommands.Add(command);
        return root;
    }

    private static IEnumerable<Command> Commands()
    {
        yield return TokenizeCommand.Create();
        yield return TemplateCommand.Create();
        yield return InfoCommand.Create();
        yield return RunCommand.Create();
        yield return ChatCommand.Create();
        yield return LogitsCommand.Create();
        yield return EvalCommand.Create();
        yield return DataCommand.Create();
        yield return FinetuneCommand.Create();
        yield return ConvertCommand.Create();
        yield return QuantizeCommand.Create();
        yield return BenchCommand.Create();
        yield return ServeCommand.Create();
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var root = Build();
        var parse = root.Parse(args);
        // The chat command handles Ctrl+C itself (it stops a reply, not the program).
        var configuration = new InvocationConfiguration();
        if (ChatCommand.HandlesInterrupts(parse))
            configuration.ProcessTerminationTimeout = null;
        return await parse.InvokeAsync(configuration).ConfigureAwait(false);
    }
}
