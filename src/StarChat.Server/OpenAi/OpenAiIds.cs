namespace StarChat.Server.OpenAi;

/// <summary>Response ids and the constant <c>system_fingerprint</c>.</summary>
internal static class OpenAiIds
{
    /// <summary>Identifies this server build to clients that log it.</summary>
    public const string Fingerprint = "starchat-net";

    public static string Chat() => "chatcmpl-" + Guid.NewGuid().ToString("N");

    public static string Completion() => "cmpl-" + Guid.NewGuid().ToString("N");

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
