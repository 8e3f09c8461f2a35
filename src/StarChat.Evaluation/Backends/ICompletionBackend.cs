namespace StarChat.Evaluation.Backends;

/// <summary>Generates text continuations: a local model or a remote OpenAI-/TGI-compatible endpoint.</summary>
public interface ICompletionBackend
{
    /// <summary>Short description for reports (<c>local:model.gguf</c>, <c>openai:http://host/v1</c>).</summary>
    string Description { get; }

    /// <summary>Returns <see cref="CompletionJob.Count"/> continuations of the prompt (without the prompt).</summary>
    /// <exception cref="EndpointException">A remote endpoint answered with an error or something unreadable.</exception>
    Task<IReadOnlyList<string>> CompleteAsync(CompletionJob job, CancellationToken cancellationToken = default);
}

/// <summary>Answers chat conversations (the judge and <c>eval answer</c> use this).</summary>
public interface IChatBackend
{
    /// <summary>Short description for reports.</summary>
    string Description { get; }

    /// <summary>The assistant's reply to the conversation.</summary>
    /// <exception cref="EndpointException">A remote endpoint answered with an error or something unreadable.</exception>
    Task<string> ChatAsync(ChatJob job, CancellationToken cancellationToken = default);
}
