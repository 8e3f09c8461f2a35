namespace StarChat.Server.Scheduling;

/// <summary>A prompt token and its log-probability given the tokens before it (null for the first).</summary>
/// <param name="Id">Token id.</param>
/// <param name="LogProb">log P(token | earlier prompt tokens).</param>
public readonly record struct PromptTokenLogProb(int Id, float? LogProb);
