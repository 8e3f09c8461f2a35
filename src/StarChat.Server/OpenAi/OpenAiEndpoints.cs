using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using StarChat.Server.Hosting;
using StarChat.Server.Scheduling;

namespace StarChat.Server.OpenAi;

/// <summary>The OpenAI-compatible routes: <c>/v1/chat/completions</c>, <c>/v1/completions</c>, <c>/v1/models</c>.</summary>
public static class OpenAiEndpoints
{
    /// <summary>Maps the <c>/v1</c> group.</summary>
    public static RouteGroupBuilder MapOpenAi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1");
        v1.MapPost("/chat/completions", CreateChatCompletion);
        v1.MapPost("/completions", CreateCompletion);
        v1.MapGet("/models", ListModels);
        return v1;
    }

    private static async Task<Results<Ok<ChatCompletion>, ServerSentEventsResult<string>, JsonHttpResult<OpenAiError>>> CreateChatCompletion(HttpContext http, ModelHost host)
    {
        if (Unavailable(host) is { } unavailable) return OpenAiErrors.Result(unavailable);
        var model = host.Model!;
        var (body, bad) = await JsonBody.ReadAsync<ChatCompletionRequest>(http).ConfigureAwait(false);
        if (bad is not null) return OpenAiErrors.Result(bad);
        try
        {
            var plan = OpenAiMapping.Chat(body!, model);
            var handles = model.Scheduler.SubmitAll(plan.Sequences, http.RequestAborted);
            bool logprobs = body!.LogProbs == true;
            if (body.Stream == true)
                return TypedResults.ServerSentEvents(OpenAiStreaming.ChatAsync(model, plan, handles, body.StreamOptions?.IncludeUsage == true, logprobs, http.RequestAborted));
            var results = await SequenceStreams.CollectAsync(handles, http.RequestAborted).ConfigureAwait(false);
            return TypedResults.Ok(OpenAiReplies.Chat(model, plan, results, logprobs));
        }
        catch (Exception e) when (ServerErrors.Classify(e, http) is { } error)
        {
            return OpenAiErrors.Result(error);
        }
    }

    private static async Task<Results<Ok<TextCompletion>, ServerSentEventsResult<string>, JsonHttpResult<OpenAiError>>> CreateCompletion(HttpContext http, ModelHost host)
    {
        if (Unavailable(host) is { } unavailable) return OpenAiErrors.Result(unavailable);
        var model = host.Model!;
        var (body, bad) = await JsonBody.ReadAsync<CompletionRequest>(http).ConfigureAwait(false);
        if (bad is not null) return OpenAiErrors.Result(bad);
        try
        {
            var plans = OpenAiMapping.Completion(body!, model);
            var handles = model.Scheduler.SubmitAll([.. plans.SelectMany(p => p.Sequences)], http.RequestAborted);
            bool logprobs = body!.LogProbs is > 0;
            if (body.Stream == true)
                return TypedResults.ServerSentEvents(OpenAiStreaming.CompletionAsync(model, plans, handles, body.StreamOptions?.IncludeUsage == true, logprobs, http.RequestAborted));
            var results = await SequenceStreams.CollectAsync(handles, http.RequestAborted).ConfigureAwait(false);
            return TypedResults.Ok(OpenAiReplies.Completion(model, plans, results, logprobs));
        }
        catch (Exception e) when (ServerErrors.Classify(e, http) is { } error)
        {
            return OpenAiErrors.Result(error);
        }
    }

    private static Results<Ok<ModelList>, JsonHttpResult<OpenAiError>> ListModels(ModelHost host)
    {
        if (Unavailable(host) is { } unavailable) return OpenAiErrors.Result(unavailable);
        var model = host.Model!;
        var config = model.Model.Model.Config;
        long parameters = ModelFacts.ParameterCount(config);
        var meta = new ModelMeta(config.VocabSize, config.ContextLength, model.Capacity, config.EmbeddingSize, parameters);
        // Adapters are listed as models of their own (as vLLM does), with the base model as their parent.
        return TypedResults.Ok(new ModelList([
            new ModelCard(model.Name, host.StartedAt, meta),
            .. model.Adapters.Adapters.Select(a => new ModelCard(a.Name, host.StartedAt, meta) { Parent = model.Name }),
        ]));
    }

    private static RequestError? Unavailable(ModelHost host) => ServerErrors.Unavailable(host);
}
