using System.Text;

namespace StarChat.Evaluation.Execution;

/// <summary>Reads a stream to its end, keeping only the first bytes: the writer never blocks and memory stays bounded.</summary>
internal static class CappedReader
{
    public static async Task<(string Text, bool Truncated)> ReadAsync(Stream stream, int cap)
    {
        var kept = new MemoryStream();
        var buffer = new byte[16 * 1024];
        bool truncated = false;
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                int room = cap - (int)kept.Length;
                if (room > 0) kept.Write(buffer, 0, Math.Min(room, n));
                if (n > room) truncated = true;
            }
        }
        catch (IOException)
        {
            // The pipe closed under us when the tree was killed: keep what was read.
        }
        catch (ObjectDisposedException)
        {
        }
        return (Encoding.UTF8.GetString(kept.GetBuffer(), 0, (int)kept.Length), truncated);
    }
}
