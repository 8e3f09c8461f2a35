namespace StarChat.Evaluation.LmEval.Python;

/// <summary>
/// CPython's <c>random.Random</c> (MT19937) for the calls the harness makes: <c>seed(int)</c>, <c>getrandbits</c>,
/// <c>random()</c>, <c>shuffle</c> and <c>sample</c>. Few-shot examples are picked with it, so the same seed must
/// give the same draws as Python, bit for bit (lm-eval.md §2.3 has the test vectors).
/// </summary>
public sealed class PythonRandom
{
    private const int N = 624;
    private const int M = 397;
    private readonly uint[] _mt = new uint[N];
    private int _index = N + 1;

    /// <summary>Seeds the generator as <c>random.Random(seed)</c> does for a Python int.</summary>
    public PythonRandom(long seed)
    {
        // Python seeds with the 32-bit chunks of |seed|, least significant first; 0 gives the key [0].
        ulong magnitude = seed < 0 ? (ulong)(-(seed + 1)) + 1 : (ulong)seed;
        uint[] key = magnitude >> 32 == 0 ? [(uint)magnitude] : [(uint)magnitude, (uint)(magnitude >> 32)];
        InitByArray(key);
    }

    /// <summary>The next 32-bit output of the Mersenne Twister (<c>genrand_uint32</c>).</summary>
    public uint NextUInt32()
    {
        if (_index >= N)
            Twist();
        uint y = _mt[_index++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        return y;
    }

    /// <summary><c>getrandbits(k)</c> for 1 ≤ k ≤ 32: the top k bits of one output.</summary>
    /// <exception cref="ArgumentOutOfRangeException">k is outside 1..32.</exception>
    public uint GetRandBits(int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, 32);
        return NextUInt32() >> (32 - k);
    }

    /// <summary><c>random()</c>: a double in [0, 1) built from 53 random bits, as CPython does.</summary>
    public double NextDouble()
    {
        uint a = NextUInt32() >> 5, b = NextUInt32() >> 6;
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
    }

    /// <summary><c>_randbelow(n)</c>: a uniform integer in [0, n) by rejection sampling on bit_length(n) bits.</summary>
    /// <exception cref="ArgumentOutOfRangeException">n is not positive.</exception>
    public int RandBelow(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        int k = 32 - int.LeadingZeroCount(n);   // n.bit_length(), not of n − 1: n may be 1
        uint r = GetRandBits(k);
        while (r >= (uint)n)
            r = GetRandBits(k);
        return (int)r;
    }

    /// <summary><c>shuffle(x)</c> in place (Fisher–Yates from the end, as CPython).</summary>
    public void Shuffle<T>(IList<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = RandBelow(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>
    /// <c>sample(range(n), k)</c>: the positions <c>sample(population, k)</c> would pick from a population of size
    /// <paramref name="n"/>, in draw order. CPython switches between a pool and a set method by size, and the two
    /// consume the generator differently, so both are reproduced.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">k is negative or larger than n.</exception>
    public int[] SampleIndices(int n, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, n);
        var result = new int[k];
        int setSize = 21;   // size of a small set minus an empty list, in CPython's memory estimate
        if (k > 5)
            setSize += (int)Math.Pow(4, Math.Ceiling(Math.Log(k * 3) / Math.Log(4)));
        if (n <= setSize)
        {
            var pool = Enumerable.Range(0, n).ToArray();
            for (int i = 0; i < k; i++)
            {
                int j = RandBelow(n - i);
                result[i] = pool[j];
                pool[j] = pool[n - i - 1];
            }
            return result;
        }
        var selected = new HashSet<int>();
        for (int i = 0; i < k; i++)
        {
            int j = RandBelow(n);
            while (!selected.Add(j))
                j = RandBelow(n);
            result[i] = j;
        }
        return result;
    }

    private void InitGenRand(uint s)
    {
        _mt[0] = s;
        for (int i = 1; i < N; i++)
            _mt[i] = 1812433253u * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + (uint)i;
        _index = N;
    }

    private void InitByArray(uint[] key)
    {
        InitGenRand(19650218u);
        int i = 1, j = 0;
        for (int k = Math.Max(N, key.Length); k > 0; k--)
        {
            _mt[i] = (_mt[i] ^ ((_mt[i - 1] ^ (_mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint)j;
            i++;
            j++;
            if (i >= N) { _mt[0] = _mt[N - 1]; i = 1; }
            if (j >= key.Length) j = 0;
        }
        for (int k = N - 1; k > 0; k--)
        {
            _mt[i] = (_mt[i] ^ ((_mt[i - 1] ^ (_mt[i - 1] >> 30)) * 1566083941u)) - (uint)i;
            i++;
            if (i >= N) { _mt[0] = _mt[N - 1]; i = 1; }
        }
        _mt[0] = 0x80000000u;   // MSB is 1, assuring a non-zero initial array
        _index = N;
    }

    private void Twist()
    {
        const uint upper = 0x80000000u, lower = 0x7fffffffu, matrixA = 0x9908b0dfu;
        for (int kk = 0; kk < N; kk++)
        {
            uint y = (_mt[kk] & upper) | (_mt[(kk + 1) % N] & lower);
            _mt[kk] = _mt[(kk + M) % N] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : matrixA);
        }
        _index = 0;
    }
}
