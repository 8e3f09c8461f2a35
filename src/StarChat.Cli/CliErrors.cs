using System.Text.Json;
using StarChat.Engine.Tensors;
using StarChat.Formats.Hub;
using StarChat.Text.Tokenization;

namespace StarChat.Cli;

/// <summary>Turns the library's exceptions into one clear line on stderr and an exit code, in one place.</summary>
internal static class CliErrors
{
    /// <summary>Runs a command body; known failures become <c>error: …</c> and <see cref="ExitCodes.BadInput"/>.</summary>
    public static int Run(CliContext context, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (Classify(e) is { } exitCode)
        {
            return context.Fail(exitCode, Message(e), Hint(e));
        }
    }

    /// <summary>Async variant of <see cref="Run"/>.</summary>
    public static async Task<int> RunAsync(CliContext context, Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Cancelled;
        }
        catch (Exception e) when (Classify(e) is { } exitCode)
        {
            return context.Fail(exitCode, Message(e), Hint(e));
        }
    }

    /// <summary>The message without the " (Parameter 'x')" suffix .NET adds to argument exceptions.</summary>
    private static string Message(Exception e)
        => e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;

    private static int? Classify(Exception e) => e switch
    {
        HubException { Kind: HubErrorKind.AccessDenied or HubErrorKind.NotFound or HubErrorKind.NotCached } => ExitCodes.BadInput,
        HubException => ExitCodes.Failure,
        FileNotFoundException or DirectoryNotFoundException => ExitCodes.BadInput,
        TokenizerFormatException or InvalidDataException or FormatException or JsonException => ExitCodes.BadInput,
        MissingWeightException or WeightShapeException => ExitCodes.BadInput,
        ArgumentException or NotSupportedException => ExitCodes.BadInput,
        StarChat.Text.Templates.TemplateException => ExitCodes.BadInput,
        StarChat.Formats.ModelFormatException => ExitCodes.BadInput,
        StarChat.Training.FineTuning.TrainingDivergedException => ExitCodes.Failure,
        StarChat.Engine.Inference.ContextOverflowException => ExitCodes.BadInput,
        UnauthorizedAccessException or IOException => ExitCodes.Failure,
        _ => null,
    };

    private static string? Hint(Exception e) => e switch
    {
        HubException { Kind: HubErrorKind.AccessDenied } => "create a read token at https://huggingface.co/settings/tokens and export HF_TOKEN=hf_... (or put it in $HF_HOME/token)",
        HubException { Kind: HubErrorKind.NotFound } => "--model takes a local path or a Hub id org/name[/file.gguf][@revision]; a path that does not exist is read as a Hub id",
        HubException { Kind: HubErrorKind.NotCached } => "run once without HF_HUB_OFFLINE to download the model, or pass a local path",
        HubException { Kind: HubErrorKind.Network } => "run the command again: downloads resume where they stopped; with HF_HUB_OFFLINE=1 cached models load without the network",
        MissingWeightException or WeightShapeException => "`starchat info <model>` lists the tensors the file holds",
        TokenizerFormatException => "a model folder needs tokenizer.json (or vocab.json + merges.txt); GGUF files carry their own",
        StarChat.Training.FineTuning.TrainingDivergedException => "lower --lr (or keep --max-grad-norm on); resume from the last checkpoint with --resume",
        StarChat.Engine.Inference.ContextOverflowException => "shorten the prompt, lower --max-new-tokens, or use a model with a longer context",
        StarChat.Formats.ModelFormatException => "the file may be truncated or not a StarCoder-family model; `starchat info <file>` shows what it holds",
        _ => null,
    };
}
