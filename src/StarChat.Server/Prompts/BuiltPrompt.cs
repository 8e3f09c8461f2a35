namespace StarChat.Server.Prompts;

/// <summary>A prompt ready for the scheduler: its ids and the ways generation should end for this kind of prompt.</summary>
/// <param name="Ids">Prompt token ids.</param>
/// <param name="StopTokenIds">Ids that end the reply (end of text; the chat format's end-of-turn token).</param>
/// <param name="StopStrings">Text that ends the reply (a chat format's end marker when it is not a single token).</param>
/// <param name="IsChat">True for a chat turn: the reply's leading whitespace is dropped (StarChat replies start with a newline).</param>
public sealed record BuiltPrompt(int[] Ids, IReadOnlyList<int> StopTokenIds, IReadOnlyList<string> StopStrings, bool IsChat);
