using System.Numerics;
using StarChat.Engine.Threading;

namespace StarChat.Training.Ops;

/// <summary>The tanh approximation of GELU (<c>gelu_pytorch_tanh</c>), element-wise.</summary>
internal static class GeluOp
{
    private const double SqrtTwoOverPi = 0.7978845608028654;
    private const double Cubic = 0.044715;

    // y = 0.5·x·(1 + tanh(u)),  u = √(2/π)·(x + 0.044715·x³)                      x, y: [count]
    public static void Forward<T>(WorkerPool? pool, T[] x, T[] y, int count) where T : unmanaged, IFloatingPointIeee754<T>
        => Rows.Run(pool, count, 16, new Body<T>(x, y, y, backward: false));

    // dy/dx = 0.5·(1 + tanh u) + 0.5·x·(1 − tanh² u)·√(2/π)·(1 + 3·0.044715·x²)
    // dx = dy ⊙ dy/dx                                                  (dx may be dy itself)
    public static void Backward<T>(WorkerPool? pool, T[] x, T[] dy, T[] dx, int count) where T : unmanaged, IFloatingPointIeee754<T>
        => Rows.Run(pool, count, 24, new Body<T>(x, dy, dx, backward: true));

    internal static T Value<T>(T x) where T : IFloatingPointIeee754<T>
    {
        T half = T.CreateChecked(0.5);
        T u = T.CreateChecked(SqrtTwoOverPi) * (x + T.CreateChecked(Cubic) * x * x * x);
        return half * x * (T.One + T.Tanh(u));
    }

    internal static T Derivative<T>(T x) where T : IFloatingPointIeee754<T>
    {
        T half = T.CreateChecked(0.5), c = T.CreateChecked(SqrtTwoOverPi), k = T.CreateChecked(Cubic);
        T th = T.Tanh(c * (x + k * x * x * x));
        return half * (T.One + th) + half * x * (T.One - th * th) * c * (T.One + T.CreateChecked(3) * k * x * x);
    }

    private readonly struct Body<T>(T[] x, T[] input, T[] output, bool backward) : IParallelBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            if (backward)
            {
                for (int i = start; i < end; i++)
                    output[i] = input[i] * Derivative(x[i]);
            }
            else
            {
                for (int i = start; i < end; i++)
                    output[i] = Value(x[i]);
            }
        }
    }
}
