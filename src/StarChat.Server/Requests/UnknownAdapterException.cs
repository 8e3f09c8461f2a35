namespace StarChat.Server.Requests;

/// <summary>
/// A request named a LoRA adapter the server did not load. OpenAI routes answer 404 <c>model_not_found</c>; TGI routes
/// answer 422 (<c>error_type: validation</c>). The message names the adapter and lists the loaded ones.
/// </summary>
public sealed class UnknownAdapterException(string name, IReadOnlyList<string> loaded, string param)
    : Exception(Describe(name, loaded))
{
    /// <summary>The name asked for.</summary>
    public string Name { get; } = name;

    /// <summary>The adapters the server has.</summary>
    public IReadOnlyList<string> Loaded { get; } = loaded;

    /// <summary>The request field that named it (<c>model</c> or <c>adapter_id</c>).</summary>
    public string Param { get; } = param;

    private static string Describe(string name, IReadOnlyList<string> loaded)
        => loaded.Count == 0
            ? $"LoRA adapter '{name}' is not loaded; this server has none (start it with --lora NAME=DIR)"
            : $"LoRA adapter '{name}' is not loaded; loaded adapters: {string.Join(", ", loaded)}";
}
