using System.Runtime.InteropServices;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Training.Lora;

/// <summary>
/// A base model's weights with an adapter merged in, for the inference engine: every adapted
/// <c>{module}.weight</c> is served as F32 <c>W + s·(B·A)</c> (PEFT's <c>merge_and_unload</c>, <c>fan_in_fan_out</c>
/// false), everything else is passed through from the base source unchanged.
/// </summary>
/// <remarks>The merged matrices live in pinned memory owned by this source; the base source must outlive it.</remarks>
public sealed class LoraMergedWeights : IWeightSource
{
    private readonly IWeightSource _base;
    private readonly Dictionary<string, (float[] Values, TensorView View)> _merged = new(StringComparer.Ordinal);

    /// <summary>Merges every module of <paramref name="adapter"/> into the matching base weight, in f32.</summary>
    /// <exception cref="MissingWeightException">An adapted module has no weight in the base source.</exception>
    /// <exception cref="WeightShapeException">A base weight's shape does not fit the adapter.</exception>
    public LoraMergedWeights(IWeightSource baseWeights, PeftAdapter adapter)
    {
        ArgumentNullException.ThrowIfNull(baseWeights);
        ArgumentNullException.ThrowIfNull(adapter);
        _base = baseWeights;
        float scaling = (float)adapter.Config.Scaling;
        foreach (var (module, m) in adapter.Modules)
        {
            string name = module + ".weight";
            var w = baseWeights.Get(name);
            if (!w.Shape.Is(m.OutFeatures, m.InFeatures))
                throw new WeightShapeException(baseWeights.Origin, name, $"is {w.Shape}, the adapter expects [{m.OutFeatures}, {m.InFeatures}]");
            var merged = GC.AllocateUninitializedArray<float>(m.OutFeatures * m.InFeatures, pinned: true);
            for (int o = 0; o < m.OutFeatures; o++)
            {
                var row = merged.AsSpan(o * m.InFeatures, m.InFeatures);
                Dequantize.Row(w.Type, w.Row(o), row);
                // W'[o, i] = W[o, i] + s·Σ_k B[o, k]·A[k, i]
                for (int k = 0; k < m.Rank; k++)
                {
                    float factor = scaling * m.B[o * m.Rank + k];
                    var a = m.A.AsSpan(k * m.InFeatures, m.InFeatures);
                    for (int i = 0; i < row.Length; i++)
                        row[i] += factor * a[i];
                }
            }
            var view = new TensorView(name, TensorType.F32, w.Shape, Marshal.UnsafeAddrOfPinnedArrayElement(merged, 0), (long)merged.Length * sizeof(float));
            _merged[name] = (merged, view);
        }
    }

    /// <inheritdoc />
    public string Origin => _base.Origin + " + LoRA";

    /// <inheritdoc />
    public IReadOnlyCollection<string> Names => _base.Names;

    /// <inheritdoc />
    public bool Contains(string name) => _base.Contains(name);

    /// <inheritdoc />
    public TensorView Get(string name) => _merged.TryGetValue(name, out var m) ? m.View : _base.Get(name);

    /// <summary>Releases nothing of the base source (its owner disposes it); the merged arrays go with the GC.</summary>
    public void Dispose() => _merged.Clear();
}
