using System.CommandLine;
using Microsoft.Extensions.Logging;
using StarChat.Generation.Text;
using StarChat.Server;

namespace StarChat.Cli.Commands;

/// <summary>
/// <c>starchat serve</c>: the OpenAI and TGI APIs, <c>/metrics</c> and the web chat page, many users at once through
/// the continuous-batching scheduler. It listens at once and loads the model in the background.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var host = new Option<string>("--host") { Description = "Address to bind (default 127.0.0.1: this machine only)", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port (0 picks a free one)", DefaultValueFactory = _ => 8080 };
        var apiKey = new Option<string?>("--api-key") { Description = "Require Authorization: Bearer KEY on API calls" };
        var parallel = new Option<int>("--parallel", "-np") { Description = "Sequences generated together (KV-cache slots)", DefaultValueFactory = _ => 4 };
        var queue = new Option<int>("--queue") { Description = "Requests allowed to wait for a slot; beyond that 429", DefaultValueFactory = _ => 64 };
        var ctx = new Option<int?>("--ctx", "-c") { Description = "Tokens per sequence, prompt included (default: the model's context)" };
        var cors = new Option<string[]>("--cors") { Description = "Allow browser calls from this origin (repeatable; * for any). Off by default" };
        var format = new Option<string>("--format") { Description = $"Chat format: {string.Join(", ", ChatFormats.Names)}", DefaultValueFactory = _ => "auto" };
        var name = new Option<string?>("--name") { Description = "Model id reported to clients (default: the model's file or folder name)" };
        var maxBody = new Option<int>("--max-body-mb") { Description = "Largest request body in MiB (larger get 413)", DefaultValueFactory = _ => 4 };
        var sampling = new SamplingCliOptions { Lora = new LoraCliOptions(named: true) };
        var command = new Command("serve", "Serve the model over the OpenAI and TGI HTTP APIs, with a web chat page at /. "
            + "--lora NAME=DIR loads a LoRA adapter that requests choose by name (TGI parameters.adapter_id, OpenAI model); sequences with different adapters share each decoding step.")
        {
            model, host, port, apiKey, parallel, queue, ctx, cors, format, name, maxBody,
        };
        sampling.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            var context = CliContext.From(parse);
            return CliErrors.RunAsync(context, () => Execute(context, parse, ct));
        });
        return command;

        async Task<int> Execute(CliContext context, ParseResult parse, CancellationToken ct)
        {
            var defaults = sampling.Sampling(parse);
            var options = new ServerOptions
            {
                ModelPath = CommonOptions.RequireModel(parse.GetValue(model), context),
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                ApiKey = parse.GetValue(apiKey),
                Parallel = parse.GetValue(parallel),
                QueueLimit = parse.GetValue(queue),
                ContextLength = parse.GetValue(ctx),
                CorsOrigins = parse.GetValue(cors) ?? [],
                ChatFormat = parse.GetValue(format)!,
                TechnicalAssistantPrompt = DefaultPaths.TechnicalAssistantPrompt,
                ModelName = parse.GetValue(name),
                MaxRequestBodyBytes = (long)parse.GetValue(maxBody) * 1024 * 1024,
                // Requests that leave a parameter out get the command line's sampling (or the StarChat defaults).
                DefaultSampling = defaults,
                DefaultMaxTokens = parse.GetValue(sampling.MaxNewTokens) ?? 512,
                Engine = sampling.Engine(parse, context),
            };
            var error = context.Err;
            await using var server = await StarChatServer.StartAsync(options, logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning), ct).ConfigureAwait(false);
            string url = server.Address.ToString().TrimEnd('/');
            context.Out.WriteLine($"StarChat server listening on {url}  (chat page: {url}/ · OpenAI: {url}/v1 · TGI: {url}/generate)");
            context.Out.Flush();
            error.WriteLine($"loading {options.ModelPath} ...");
            try
            {
                var served = await server.Host.Loaded.WaitAsync(ct).ConfigureAwait(false);
                error.WriteLine($"ready: {served.Name}, {options.Parallel} slots of {served.Capacity} tokens, queue {options.QueueLimit}. Ctrl+C stops.");
                if (served.Adapters.Adapters.Count > 0)
                    error.WriteLine($"LoRA adapters by request (TGI parameters.adapter_id, OpenAI model): {string.Join(", ", served.Adapters.Adapters.Select(a => a.Name))}");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return context.Fail(ExitCodes.BadInput, $"the model failed to load: {e.Message}");
            }
            await server.WaitForShutdownAsync(ct).ConfigureAwait(false);
            error.WriteLine("stopping");
            return ExitCodes.Ok;
        }
    }
}
