using System.Text.Json.Serialization;
using StarChat.Training.Data;
using StarChat.Training.FineTuning;

namespace StarChat.Training;

/// <summary>Compile-time JSON metadata for the files training writes and reads (no reflection, so also in a native AOT build).</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(DatasetStatistics))]
[JsonSerializable(typeof(TrainerState))]
internal sealed partial class TrainingJsonContext : JsonSerializerContext;
