namespace StarChat.Engine.Models.GptBigCode;

/// <summary>The error function, for the exact GELU some GPT-2-family configs ask for (<c>activation_function: gelu</c>).</summary>
internal static class Erf
{
    /// <summary>erf(x) to about 1e-15: the Maclaurin series below 2.5, the continued fraction of erfc above.</summary>
    public static double Evaluate(double x)
    {
        if (double.IsNaN(x)) return x;
        double ax = Math.Abs(x);
        double result = ax < 2.5 ? Series(ax) : 1 - ComplementContinuedFraction(ax);
        return x < 0 ? -result : result;
    }

    // erf x = 2/√π Σ (−1)ⁿ x^(2n+1) / (n!(2n+1)); the terms stay small for x < 2.5, so no cancellation trouble.
    private static double Series(double x)
    {
        double term = x, sum = x, x2 = x * x;
        for (int n = 1; n < 100; n++)
        {
            term *= -x2 / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    // erfc x = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated with the modified Lentz method.
    private static double ComplementContinuedFraction(double x)
    {
        const double tiny = 1e-300;
        double f = x, c = x, dd = 0;
        for (int i = 1; i < 500; i++)
        {
            double a = i / 2.0;
            dd = x + a * dd;
            if (Math.Abs(dd) < tiny) dd = tiny;
            c = x + a / c;
            if (Math.Abs(c) < tiny) c = tiny;
            dd = 1 / dd;
            double delta = c * dd;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return Math.Exp(-x * x) / (Math.Sqrt(Math.PI) * f);
    }
}
