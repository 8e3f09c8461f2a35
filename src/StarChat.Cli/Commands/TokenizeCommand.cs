using System.CommandLine;

namespace StarChat.Cli.Commands;

internal static class TokenizeCommand
{
    public static Command Create()
    {
        var command = new Command("tokenize", "Show the token ids of a text.");
        command.SetAction(_ => ExitCodes.Ok);
        return command;
    }
}
