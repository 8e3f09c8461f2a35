namespace StarChat.Evaluation.Execution;

/// <summary>Runs a complete test program of one language and says whether its tests passed.</summary>
public interface IProgramRunner
{
    /// <summary>Runs <paramref name="program"/> with a wall-clock limit of <paramref name="timeout"/>.</summary>
    /// <exception cref="SandboxException">The sandbox could not run programs at all.</exception>
    Task<ExecutionOutcome> RunAsync(string program, TimeSpan timeout, CancellationToken cancellationToken = default);
}
