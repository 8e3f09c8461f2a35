using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using StarChat.Server.Hosting;
using StarChat.Server.Scheduling;

namespace StarChat.Server.Tgi;

/// <summary>
/// Hugging Face text-generation-inference routes: <c>POST /generate</c>, <c>POST /generate_stream</c>, <c>POST /</c>
/// (the Inference API form: an array for non-streamed replies), <c>GET /info</c> and <c>GET /health</c>.
/// </summary>
public static class TgiEndpoints
{
    /// <summary>Maps the TGI routes at the root.</summary>
    public static RouteGroupBuilder MapTgi(this IEndpointRouteBuilder app)
    {
        var tgi = app.MapGroup("");
        tgi.MapPost("/generate", Generate);
        tgi.MapPost("/generate_stream", GenerateStream);
        tgi.MapPost("/", Compat);
        tgi.MapGet("/info", Info);
        tgi.MapGet("/health", Health);
        return tgi;
    }

    private static async Task<Results<Ok<TgiGenerateResponse>, JsonHttpResult<TgiError>>> Generate(HttpContext http, ModelHost host)
    {
        var (started, error) = await StartAsync(http, host).ConfigureAwait(false);
        if (started is null) return TgiErrors.Result(error!);
        var (reply, failure) = await CollectAsync(http, host.Model!, started).ConfigureAwait(false);
        return reply is not null ? TypedResults.Ok(reply) : TgiErrors.Result(failure!);
    }

    private static async Task<Results<ServerSentEventsResult<string>, JsonHttpResult<TgiError>>> GenerateStream(HttpContext http, ModelHost host)
    {
        var (started, error) = await StartAsync(http, host).ConfigureAwait(false);
        if (started is null) return TgiErrors.Result(error!);
        return TypedResults.ServerSentEvents(TgiReplies.StreamAsync(host.Model!, started.Plan, started.Handle, http.RequestAborted));
    }

    /// <summary><c>POST /</c>: <c>stream: true</c> streams; otherwise the reply is a one-element array.</summary>
    private static async Task<Results<Ok<TgiGenerateResponse[]>, ServerSentEventsResult<string>, JsonHttpResult<TgiError>>> Compat(HttpContext http, ModelHost host)
    {
        var (started, error) = await StartAsync(http, host).ConfigureAwait(false);
        if (started is null) return TgiErrors.Result(error!);
        if (started.Stream)
            return TypedResults.ServerSentEvents(TgiReplies.StreamAsync(host.Model!, started.Plan, started.Handle, http.RequestAborted));
        var (reply, failure) = await CollectAsync(http, host.Model!, started).ConfigureAwait(false);
        return reply is not null ? TypedResults.Ok(new[] { reply }) : TgiErrors.Result(failure!);
    }

    private static Results<Ok<TgiInfo>, JsonHttpResult<TgiError>> Info(ModelHost host)
    {
        if (ServerErrors.Unavailable(host) is { } unavailable) return TgiErrors.Result(unavailable);
        var model = host.Model!;
        var options = model.Options;
        string version = typeof(TgiEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
        return TypedResults.Ok(new TgiInfo(model.Name, options.Parallel + options.QueueLimit, 1, options.MaxStopSequences,
            model.Capacity - 1, model.Capacity, 1, version));
    }

    /// <summary>200 <c>{"status":"ok"}</c> once the model serves; 503 in TGI's health-check shape before.</summary>
    private static Results<Ok<HealthStatus>, JsonHttpResult<TgiError>> Health(ModelHost host)
        => host.State == ModelState.Ready
            ? TypedResults.Ok(new HealthStatus("ok"))
            : TypedResults.Json(new TgiError(host.State == ModelState.Loading ? "loading" : "unhealthy", "healthcheck"), ServerJson.TypeInfo<TgiError>(), statusCode: 503);

    private sealed record Started(TgiMapping.Plan Plan, SequenceHandle Handle, bool Stream);

    private static async Task<(Started? Started, RequestError? Error)> StartAsync(HttpContext http, ModelHost host)
    {
        if (ServerErrors.Unavailable(host) is { } unavailable) return (null, unavailable);
        var (body, bad) = await JsonBody.ReadAsync<TgiGenerateRequest>(http).ConfigureAwait(false);
        if (bad is not null) return (null, bad);
        try
        {
            var plan = TgiMapping.Map(body!, host.Model!);
            var handle = host.Model!.Scheduler.Submit(plan.Sequence, http.RequestAborted);
            return (new Started(plan, handle, body!.Stream == true), null);
        }
        catch (Exception e) when (ServerErrors.Classify(e, http) is { } error)
        {
            return (null, error);
        }
    }

    private static async Task<(TgiGenerateResponse? Reply, RequestError? Error)> CollectAsync(HttpContext http, ServedModel model, Started started)
    {
        try
        {
            var results = await SequenceStreams.CollectAsync([started.Handle], http.RequestAborted).ConfigureAwait(false);
            return (TgiReplies.Generate(model, started.Plan, started.Handle, results[0]), null);
        }
        catch (Exception e) when (ServerErrors.Classify(e, http) is { } error)
        {
            return (null, error);
        }
    }
}

/// <summary>The health check's body.</summary>
/// <param name="Status">"ok".</param>
public sealed record HealthStatus([property: System.Text.Json.Serialization.JsonPropertyName("status")] string Status);
