using System.Numerics;
using StarChat.Training.Numerics;

namespace StarChat.Training.Ops;

/// <summary>Token plus position embedding: the first op of the graph and the last of the backward pass.</summary>
internal static class EmbeddingOp
{
    // x[n, :] = wte[id_n, :] + wpe[pos_n, :]                        wte: [V, D], wpe: [P, D], x: [N, D]
    public static void Forward<T>(int[] ids, int[] positions, T[] wte, T[] wpe, int d, T[] x) where T : unmanaged, INumberBase<T>
    {
        for (int n = 0; n < ids.Length; n++)
        {
            var row = x.AsSpan(n * d, d);
            wte.AsSpan(ids[n] * d, d).CopyTo(row);
            Vectors.AddInPlace(row, wpe.AsSpan(positions[n] * d, d));
        }
    }

    // dwte[id_n, :] += dx[n, :];  dwpe[pos_n, :] += dx[n, :]          (either gradient may be absent: frozen)
    // Serial on purpose: rows that share a token id add into the same gradient row.
    public static void Backward<T>(int[] ids, int[] positions, T[] dx, int d, T[]? dWte, T[]? dWpe) where T : unmanaged, INumberBase<T>
    {
        for (int n = 0; n < ids.Length; n++)
        {
            var g = dx.AsSpan(n * d, d);
            if (dWte is not null)
                Vectors.AddInPlace(dWte.AsSpan(ids[n] * d, d), g);
            if (dWpe is not null)
                Vectors.AddInPlace(dWpe.AsSpan(positions[n] * d, d), g);
        }
    }
}
