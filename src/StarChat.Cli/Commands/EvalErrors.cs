using StarChat.Evaluation.Backends;
using StarChat.Evaluation.Execution;
using StarChat.Evaluation.Running;

namespace StarChat.Cli.Commands;

/// <summary>Evaluation failures as one line and a hint: endpoint errors, sandbox set-up, an occupied output folder.</summary>
internal static class EvalErrors
{
    public static async Task<int> RunAsync(CliContext context, Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (EndpointException e)
        {
            return context.Fail(ExitCodes.Failure, e.Message, "check --endpoint and --api (openai or tgi); `curl URL/v1/models` shows what an OpenAI-compatible server serves");
        }
        catch (SandboxException e)
        {
            return context.Fail(ExitCodes.Failure, $"sandbox: {e.Message}", "namespace isolation needs root and util-linux (unshare, setpriv, prlimit)");
        }
        catch (OutputFolderConflictException e)
        {
            return context.Fail(ExitCodes.BadInput, e.Message);
        }
    }
}
