using System.Numerics;
using System.Runtime.InteropServices;
using StarChat.Engine.Tensors;
using StarChat.Formats.Peft;
using StarChat.Formats.Safetensors;
using StarChat.Training.Lora;
using StarChat.Training.Model;
using StarChat.Training.Optimization;

namespace StarChat.Training.FineTuning;

/// <summary>
/// A checkpoint folder (<c>checkpoint-{step}</c>): the PEFT adapter (for anyone who wants to use it), fully trained
/// tensors (<c>trained_tensors.safetensors</c>, Hugging Face names), and <c>optimizer.safetensors</c> holding every
/// trainable tensor at training precision with its AdamW moments (<c>{name}</c>, <c>{name}.exp_avg</c>,
/// <c>{name}.exp_avg_sq</c>), so a resumed run continues exactly where it stopped.
/// </summary>
public static class Checkpoint
{
    /// <summary>Optimizer state file.</summary>
    public const string OptimizerFile = "optimizer.safetensors";

    /// <summary>Fully trained base tensors.</summary>
    public const string TrainedTensorsFile = "trained_tensors.safetensors";

    /// <summary>Writes everything a resume needs, and the adapter, into <paramref name="folder"/>.</summary>
    public static void Save<T>(string folder, GptBigCodeParameters<T> model, AdamW<T> optimizer, TrainerState state, PeftAdapterConfig? adapter)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Directory.CreateDirectory(folder);
        if (adapter is not null)
            PeftAdapter.Save(folder, model, adapter);
        var full = model.Trainable.Where(p => !p.Name.StartsWith(PeftKeys.Prefix, StringComparison.Ordinal)).ToList();
        if (full.Count > 0)
            SafetensorsWriter.Write(Path.Combine(folder, TrainedTensorsFile), full.Select(p => Entry(p.Name, p.Shape, p.Value, asFloat32: true)),
                new Dictionary<string, string> { ["format"] = "pt" });
        var entries = new List<SafetensorsEntry>();
        foreach (var (p, m, v) in optimizer.State)
        {
            entries.Add(Entry(p.Name, p.Shape, p.Value, asFloat32: false));
            entries.Add(Entry(p.Name + ".exp_avg", p.Shape, m, asFloat32: false));
            entries.Add(Entry(p.Name + ".exp_avg_sq", p.Shape, v, asFloat32: false));
        }
        SafetensorsWriter.Write(Path.Combine(folder, OptimizerFile), entries, new Dictionary<string, string> { ["format"] = "pt", ["step"] = $"{optimizer.StepCount}" });
        state.Write(Path.Combine(folder, TrainerState.FileName));
    }

    /// <summary>Restores the trainable tensors and the optimizer from a checkpoint; returns its state.</summary>
    /// <exception cref="FileNotFoundException">The folder lacks the state or optimizer file.</exception>
    /// <exception cref="InvalidDataException">A tensor is missing or has another shape or precision than this run's.</exception>
    public static TrainerState Restore<T>(string folder, GptBigCodeParameters<T> model, AdamW<T> optimizer)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string statePath = Path.Combine(folder, TrainerState.FileName), optimizerPath = Path.Combine(folder, OptimizerFile);
        foreach (var path in new[] { statePath, optimizerPath })
        {
            if (!File.Exists(path))
                throw new FileNotFoundException($"{folder}: not a checkpoint ({Path.GetFileName(path)} not found)", path);
        }
        var state = TrainerState.Read(statePath);
        using var file = SafetensorsFile.Open(optimizerPath);
        T[] Read(string name, int length)
        {
            if (!file.Contains(name))
                throw new InvalidDataException($"{optimizerPath}: tensor '{name}' missing (was the checkpoint made with other LoRA targets or tensors?)");
            var view = file.View(file.Info(name));
            var expected = typeof(T) == typeof(float) ? TensorType.F32 : TensorType.F64;
            if (view.Type != expected || view.Shape.ElementCount != length)
                throw new InvalidDataException($"{optimizerPath}: '{name}' is {TensorTypeInfo.Name(view.Type)} {view.Shape}, this run needs {TensorTypeInfo.Name(expected)} with {length} values");
            return MemoryMarshal.Cast<byte, T>(view.Bytes).ToArray();
        }
        foreach (var (p, _, _) in optimizer.State)
            Read(p.Name, p.Value.Length).CopyTo(p.Value, 0);
        optimizer.Restore(state.GlobalStep, name =>
        {
            var p = model.Trainable.First(t => t.Name == name);
            return (Read(name + ".exp_avg", p.Value.Length), Read(name + ".exp_avg_sq", p.Value.Length));
        });
        return state;
    }

    private static SafetensorsEntry Entry<T>(string name, IReadOnlyList<int> shape, T[] values, bool asFloat32) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var tensorShape = new TensorShape([.. shape.Select(d => (long)d)]);
        if (asFloat32 || typeof(T) == typeof(float))
            return new SafetensorsEntry(name, TensorType.F32, tensorShape, SafetensorsWriter.Bytes([.. values.Select(float.CreateChecked)]));
        return new SafetensorsEntry(name, TensorType.F64, tensorShape, SafetensorsWriter.Bytes([.. values.Select(double.CreateChecked)]));
    }
}
