using System.Text.RegularExpressions;

namespace StarChat.Evaluation.Execution;

/// <summary>
/// Where the sandbox cannot give a program its own network namespace, programs that name network modules are
/// refused rather than run: a static check, which a determined program could evade, so it is a fallback only.
/// </summary>
public static partial class NetworkUse
{
    /// <summary>The first network module a Python program imports, or null.</summary>
    public static string? InPython(string program)
    {
        var m = PythonNetworkImport().Match(program);
        return m.Success ? m.Groups["module"].Value : null;
    }

    /// <summary>The first network namespace or type a C# program names, or null.</summary>
    public static string? InCSharp(string program)
    {
        var m = CSharpNetworkUse().Match(program);
        return m.Success ? m.Value : null;
    }

    [GeneratedRegex(@"(?m)(?:^|;)\s*(?:import|from)\s+(?<module>socket|ssl|urllib\d?|http|httplib|requests|ftplib|smtplib|poplib|imaplib|telnetlib|xmlrpc|asyncio|socketserver|selectors|select|aiohttp|websocket\w*|paramiko)\b|__import__\(\s*['""](?<module>socket|urllib|http|requests|asyncio)")]
    private static partial Regex PythonNetworkImport();

    [GeneratedRegex(@"System\.Net\b|\bHttpClient\b|\bTcpClient\b|\bUdpClient\b|\bSocket\b|\bWebClient\b|\bDns\.")]
    private static partial Regex CSharpNetworkUse();
}
