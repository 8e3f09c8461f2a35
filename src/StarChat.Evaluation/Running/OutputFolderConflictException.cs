namespace StarChat.Evaluation.Running;

/// <summary>An output folder holds results made with other settings, so resuming into it would mix runs.</summary>
public sealed class OutputFolderConflictException(string message) : InvalidOperationException(message);
