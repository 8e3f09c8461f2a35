using System.Net;

namespace StarChat.Server.Tests.Support;

/// <summary>A request body of <c>length</c> bytes made up on the fly, so a test can send 100 MB without holding it.</summary>
internal sealed class LargeBody(long length, bool declareLength) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        var block = new byte[64 * 1024];
        block.AsSpan().Fill((byte)' ');
        block[0] = (byte)'{';
        for (long sent = 0; sent < length; sent += block.Length)
        {
            await stream.WriteAsync(block.AsMemory(0, (int)Math.Min(block.Length, length - sent)));
            block[0] = (byte)' ';
        }
    }

    protected override bool TryComputeLength(out long length1)
    {
        length1 = length;
        return declareLength;
    }
}
