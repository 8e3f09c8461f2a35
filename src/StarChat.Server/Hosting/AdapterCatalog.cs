using StarChat.Generation;
using StarChat.Server.Requests;

namespace StarChat.Server.Hosting;

/// <summary>
/// Which LoRA adapter a request asks for, by name. The OpenAI routes take it in <c>model</c> and TGI in
/// <c>parameters.adapter_id</c> (as TGI and vLLM do); the base model's own id, TGI's placeholder <c>tgi</c>, or no
/// name at all mean no adapter. With no named adapters loaded, OpenAI's <c>model</c> is not checked (clients send
/// all sorts of ids); with some loaded, an unknown id is an error rather than a silent fallback to the base model.
/// </summary>
public sealed class AdapterCatalog
{
    private readonly Dictionary<string, SelectableAdapter> _byName;

    /// <summary>A catalog of <paramref name="adapters"/> for the model clients know as <paramref name="baseName"/>.</summary>
    /// <exception cref="ArgumentException">An adapter is named like the base model or <c>tgi</c> (requests could not choose it).</exception>
    public AdapterCatalog(string baseName, IReadOnlyList<SelectableAdapter> adapters)
    {
        if (adapters.FirstOrDefault(a => a.Name == baseName || a.Name == "tgi") is { } clash)
            throw new ArgumentException($"LoRA adapter name '{clash.Name}' is taken by the base model; name it otherwise (--lora OTHER={clash.Path})", nameof(adapters));
        BaseName = baseName;
        Adapters = adapters;
        _byName = adapters.ToDictionary(a => a.Name, StringComparer.Ordinal);
    }

    /// <summary>The base model's id.</summary>
    public string BaseName { get; }

    /// <summary>The named adapters, in load order.</summary>
    public IReadOnlyList<SelectableAdapter> Adapters { get; }

    /// <summary>The adapter for an OpenAI <c>model</c> field, or null for the base model.</summary>
    /// <exception cref="UnknownAdapterException">Adapters are loaded and <paramref name="model"/> names none of them nor the base model.</exception>
    public SelectableAdapter? ForModel(string? model)
    {
        if (IsBase(model) || Adapters.Count == 0)
            return null;
        return _byName.TryGetValue(model!, out var adapter) ? adapter : throw Unknown(model!, "model");
    }

    /// <summary>The adapter for a TGI <c>adapter_id</c>, or null for the base model.</summary>
    /// <exception cref="UnknownAdapterException"><paramref name="adapterId"/> names no loaded adapter nor the base model.</exception>
    public SelectableAdapter? ForAdapterId(string? adapterId)
    {
        if (IsBase(adapterId))
            return null;
        return _byName.TryGetValue(adapterId!, out var adapter) ? adapter : throw Unknown(adapterId!, "adapter_id");
    }

    private bool IsBase(string? name) => string.IsNullOrEmpty(name) || name == BaseName || name == "tgi";

    private UnknownAdapterException Unknown(string name, string param) => new(name, [.. Adapters.Select(a => a.Name)], param);
}
