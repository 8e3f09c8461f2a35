using System.CommandLine;
using Spectre.Console;

namespace StarChat.Cli;

/// <summary>
/// Where a command writes: the invocation's output and error writers (the console, or a test's capture), and a
/// Spectre.Console view of the output for tables and colour.
/// </summary>
internal sealed class CliContext
{
    private CliContext(TextWriter output, TextWriter error, bool interactive)
    {
        Out = output;
        Err = error;
        Interactive = interactive;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        // Redirected output has no terminal width; do not wrap tables at 80 columns.
        if (!interactive)
            Console.Profile.Width = 200;
    }

    public static CliContext From(ParseResult parse)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        bool interactive = ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected;
        return new CliContext(output, error, interactive);
    }

    /// <summary>Standard output of the command.</summary>
    public TextWriter Out { get; }

    /// <summary>Standard error of the command.</summary>
    public TextWriter Err { get; }

    /// <summary>True when the output is a terminal (colours, live displays).</summary>
    public bool Interactive { get; }

    /// <summary>Rich output (tables) on <see cref="Out"/>.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>Writes <c>error: message</c> (and an optional hint) to standard error and returns the exit code.</summary>
    public int Fail(int exitCode, string message, string? hint = null)
    {
        Err.WriteLine($"error: {message}");
        if (hint is not null)
            Err.WriteLine($"hint: {hint}");
        return exitCode;
    }
}
