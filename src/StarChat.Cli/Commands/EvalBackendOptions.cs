using System.CommandLine;
using StarChat.Generation;
using StarChat.Generation.Text;
using StarChat.Evaluation.Backends;

namespace StarChat.Cli.Commands;

/// <summary>
/// <c>--model PATH | --endpoint URL</c> and the endpoint's protocol, shared by every eval command that generates.
/// </summary>
internal sealed class EvalBackendOptions
{
    public Option<string?> Model { get; } = new("--model", "-m") { Description = "Local model (folder, .gguf, .safetensors or .bin) to generate with" };

    public Option<string?> Endpoint { get; } = new("--endpoint") { Description = "OpenAI-compatible or TGI server to generate with (e.g. http://host:8080)" };

    public Option<string> Api { get; } = new("--api") { Description = "Endpoint protocol: openai (/v1/completions, /v1/chat/completions) or tgi (/generate)", DefaultValueFactory = _ => "openai" };

    public Option<string?> EndpointModel { get; } = new("--endpoint-model") { Description = "Model name sent to the endpoint (default: the first of GET /v1/models)" };

    public IEnumerable<Option> All => [Model, Endpoint, Api, EndpointModel];

    public bool Given(ParseResult parse) => !string.IsNullOrEmpty(parse.GetValue(Model)) || !string.IsNullOrEmpty(parse.GetValue(Endpoint));

    /// <summary>The backend the options name.</summary>
    /// <exception cref="ArgumentException">Neither or both given, a bad protocol name, or no local engine yet.</exception>
    public object Create(ParseResult parse)
    {
        string? model = parse.GetValue(Model);
        string? endpointText = parse.GetValue(Endpoint);
        if (!string.IsNullOrEmpty(model) && !string.IsNullOrEmpty(endpointText))
            throw new ArgumentException("give --model or --endpoint, not both");
        if (!string.IsNullOrEmpty(endpointText))
        {
            if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
                throw new ArgumentException($"--endpoint must be an http(s) URL (got {endpointText})");
            var api = parse.GetValue(Api) switch
            {
                "openai" => EndpointApi.OpenAi,
                "tgi" => EndpointApi.Tgi,
                var other => throw new ArgumentException($"unknown --api \"{other}\": use openai or tgi"),
            };
            return new EndpointBackend(endpoint, api, parse.GetValue(EndpointModel));
        }
        if (string.IsNullOrEmpty(model))
            throw new ArgumentException("no model: pass --model PATH or --endpoint URL");
        var local = LocalModel.Load(CommonOptions.RequireModel(model));
        try
        {
            var chat = ChatFormats.Create("auto", local.Text, DefaultPaths.TechnicalAssistantPrompt);
            return new LocalBackend(local.Model, local.Text.Tokenizer, chat, Path.GetFileName(model.TrimEnd('/')), owner: local);
        }
        catch
        {
            local.Dispose();
            throw;
        }
    }
}
