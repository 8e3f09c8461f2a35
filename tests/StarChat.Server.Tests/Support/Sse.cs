using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace StarChat.Server.Tests.Support;

/// <summary>Reads server-sent events the way a browser's EventSource parser does: <c>data:</c> lines, blank line ends one.</summary>
internal static class Sse
{
    public static async IAsyncEnumerable<string> ReadAsync(HttpResponseMessage response, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0) yield return data.ToString();
                data.Clear();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                if (data.Length > 0) data.Append('\n');
                data.Append(line.AsSpan(5).TrimStart(' '));
            }
        }
        if (data.Length > 0) yield return data.ToString();
    }

    /// <summary>POSTs JSON and returns as soon as the headers arrive (the body still streaming).</summary>
    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, object body, CancellationToken cancellationToken = default)
        => client.SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) }, HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
        => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
}
