namespace StarChat.Evaluation.Execution;

/// <summary>The sandbox itself could not be set up or used (not a failure of the program it runs).</summary>
public sealed class SandboxException(string message, Exception? inner = null) : Exception(message, inner);
