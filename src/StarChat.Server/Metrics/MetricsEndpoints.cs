using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace StarChat.Server.Metrics;

/// <summary><c>GET /metrics</c> in the Prometheus text format.</summary>
public static class MetricsEndpoints
{
    /// <summary>Maps <c>/metrics</c>.</summary>
    public static RouteHandlerBuilder MapMetrics(this IEndpointRouteBuilder app)
        => app.MapGet("/metrics", Metrics);

    private static ContentHttpResult Metrics(ServerMetrics metrics)
        => TypedResults.Text(metrics.ToPrometheusText(), "text/plain; version=0.0.4; charset=utf-8");
}
