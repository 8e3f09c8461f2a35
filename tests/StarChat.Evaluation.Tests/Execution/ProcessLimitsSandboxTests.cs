using System.Net;
using System.Net.Sockets;
using StarChat.Evaluation.Execution;

namespace StarChat.Evaluation.Tests.Execution;

/// <summary>The fallback for machines without namespaces, forced here so it is tested on every machine.</summary>
public sealed class ProcessLimitsSandboxTests : IDisposable
{
    private readonly Sandbox _sandbox = new(new SandboxOptions { Isolation = SandboxIsolation.ProcessLimits, Workers = 1 });

    private PythonRunner Python => new(_sandbox);

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public async Task Run_PassingProgram_Passes()
        => Assert.Equal("passed", (await Python.RunAsync("assert sum(range(5)) == 10", TimeSpan.FromSeconds(3))).Result);

    [Fact]
    public async Task Run_NetworkImport_IsRefusedWithoutRunning()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var outcome = await Python.RunAsync($"import socket\nsocket.create_connection(('127.0.0.1', {port}))", TimeSpan.FromSeconds(3));
        Assert.StartsWith("failed: refused: imports network module 'socket'", outcome.Result, StringComparison.Ordinal);
        Assert.False(listener.Pending());
    }

    [Fact]
    public async Task Run_DetachedGrandchild_IsFoundByItsTagAndKilled()
    {
        string marker = $"fallback-daemon-{Guid.NewGuid():N}";
        var outcome = await Python.RunAsync($$"""
            import subprocess, sys
            subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "{{marker}}"],
                             start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            """, TimeSpan.FromSeconds(3));
        Assert.True(outcome.Passed, outcome.Result);
        Assert.Empty(SharedSandbox.ProcessesWithMarker(marker));
    }

    [Fact]
    public async Task Run_InfiniteLoop_TimesOut()
        => Assert.Equal(ExecutionOutcome.TimedOut, (await Python.RunAsync("while True:\n    pass", TimeSpan.FromSeconds(1))).Result);

    [Fact]
    public void NetworkUse_CSharp_FindsSocketsAndHttp()
    {
        Assert.Equal("System.Net", NetworkUse.InCSharp("using System.Net.Sockets;\nclass P {}"));
        Assert.Equal("HttpClient", NetworkUse.InCSharp("var c = new HttpClient();"));
        Assert.Null(NetworkUse.InCSharp("using System.Numerics;\nclass Problem { }"));
    }
}
