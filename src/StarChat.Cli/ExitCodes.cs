namespace StarChat.Cli;

/// <summary>Process exit codes shared by every command.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>A runtime failure not caused by the user's input.</summary>
    public const int Failure = 1;
    /// <summary>Bad arguments: unknown option value, missing file, malformed input.</summary>
    public const int BadInput = 2;
    /// <summary>Interrupted by the user (Ctrl+C).</summary>
    public const int Cancelled = 130;
}
