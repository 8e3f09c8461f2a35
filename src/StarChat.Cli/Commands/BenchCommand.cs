using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using StarChat.Engine.Kernels;
using StarChat.Engine.Models.GptBigCode;
using StarChat.Engine.Tensors;
using StarChat.Formats.Gguf;
using StarChat.Formats.Tokenizers;
using StarChat.Generation;
using StarChat.Generation.Benchmarking;
using StarChat.Generation.Synthetic;
using StarChat.Generation.Text;

namespace StarChat.Cli.Commands;

/// <summary>
/// <c>starchat bench</c>: prompt-processing and generation speed as llama-bench measures them, on a model file or on
/// a synthetic model of real StarCoder shapes (written as a GGUF that llama.cpp loads too).
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "Model file or folder to measure" };
        var prompt = new Option<int>("-p", "--n-prompt") { Description = "Prompt tokens for the pp test (0 skips it)", DefaultValueFactory = _ => 128 };
        var generate = new Option<int>("-n", "--n-gen") { Description = "Tokens for the tg test (0 skips it)", DefaultValueFactory = _ => 32 };
        var threads = new Option<int>("-t", "--threads") { Description = "Threads (default: all cores)" };
        var reps = new Option<int>("-r", "--repetitions") { Description = "Repetitions of each test", DefaultValueFactory = _ => 5 };
        var output = new Option<string>("-o", "--output") { Description = "md (table) or json (llama-bench's field names)", DefaultValueFactory = _ => "md" };
        var synthetic = new Option<string?>("--synthetic") { Description = $"Random weights of a published shape: {string.Join(", ", SyntheticModel.Presets.Keys)}" };
        var type = new Option<string>("--type") { Description = "Weight type of the synthetic model: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q2_k, q3_k, q4_k, q5_k, q6_k", DefaultValueFactory = _ => "q4_0" };
        var write = new Option<string?>("--write") { Description = "Keep the synthetic model as this GGUF file (llama.cpp loads it)" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Tokenizer for the synthetic model (default: the StarCoder vocabulary in ../shared)" };
        var kv = new Option<string>("--kv-cache") { Description = "f32 or f16", DefaultValueFactory = _ => "f32" };
        var exact = SamplingCliOptions.ExactOption();
        var bandwidth = new Option<bool>("--bandwidth") { Description = "Also read the weights a generated token reads, as fast as the threads can, and print the tokens/s that rate allows (the memory-bandwidth ceiling of tg)" };
        var command = new Command("bench", "Measure prompt processing (pp) and generation (tg) tokens/s, like llama-bench.")
        {
            model, prompt, generate, threads, reps, output, synthetic, type, write, tokenizer, kv, exact, bandwidth,
        };
        command.SetAction(parse =>
        {
            var context = CliContext.From(parse);
            return CliErrors.Run(context, () => Execute(context, parse));
        });
        return command;

        int Execute(CliContext context, ParseResult parse)
        {
            string? path = parse.GetValue(model);
            string? preset = parse.GetValue(synthetic);
            if ((path is null) == (preset is null))
                return context.Fail(ExitCodes.BadInput, "give --model FILE or --synthetic PRESET");
            string? temporary = null;
            if (preset is not null)
            {
                var weightType = ParseType(parse.GetValue(type)!);
                path = parse.GetValue(write) ?? (temporary = Path.Combine(Path.GetTempPath(), $"starchat-{preset}-{parse.GetValue(type)}-{Environment.ProcessId}.gguf"));
                context.Err.WriteLine($"writing {preset} {TensorTypeInfo.Name(weightType)} to {path} ...");
                SyntheticModel.Write(path, preset, weightType, TokenizerFor(parse.GetValue(tokenizer)));
            }
            try
            {
                int threadCount = parse.GetValue(threads) > 0 ? parse.GetValue(threads) : Environment.ProcessorCount;
                var options = new ModelOptions
                {
                    Threads = threadCount,
                    KvCache = parse.GetValue(kv) == "f16" ? KvCacheType.F16 : KvCacheType.F32,
                    MaxBatch = Math.Max(512, parse.GetValue(prompt)),
                    QuantizedMatMul = SamplingCliOptions.QuantizedMatMulOf(parse, exact),
                };
                using var local = LocalModel.Load(preset is null ? CommonOptions.RequireModel(path, context) : path!, options);
                var results = new List<ThroughputResult>();
                if (parse.GetValue(prompt) > 0)
                    results.Add(ThroughputBenchmark.Prompt(local.Model, parse.GetValue(prompt), parse.GetValue(reps), threadCount));
                if (parse.GetValue(generate) > 0)
                    results.Add(ThroughputBenchmark.Generation(local.Model, parse.GetValue(generate), parse.GetValue(reps), threadCount));
                long size = local.Files.WeightFiles.Sum(f => new FileInfo(f).Length);
                long parameters = local.Files.Weights.Names.Sum(n => local.Files.Weights.Get(n).Shape.ElementCount);
                string modelType = $"starcoder {Math.Round(parameters / 1e9, 1).ToString(CultureInfo.InvariantCulture)}B {local.Files.FileType}";
                bool json = parse.GetValue(output) == "json";
                if (json)
                    context.Out.WriteLine(BenchRecord.Serialize([.. results.Select(r => Record(r, modelType, size, parameters, path!))]));
                else
                    Table(context, results, modelType, size, parameters);
                if (parse.GetValue(bandwidth))
                {
                    // After the tests, so that they run as llama-bench's do; on standard error with -o json, whose
                    // standard output stays llama-bench's records.
                    var ceiling = MemoryBandwidth.Measure([.. local.Model.Weights.StreamedTensors], threadCount);
                    (json ? context.Err : context.Out).WriteLine(BandwidthLine(ceiling, results.Find(r => r.GeneratedTokens > 0)));
                }
                return ExitCodes.Ok;
            }
            finally
            {
                if (temporary is not null) File.Delete(temporary);
            }
        }
    }

    private static string BandwidthLine(BandwidthResult ceiling, ThroughputResult? generation)
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"memory: {ceiling.BytesPerSecond / 1e9:F1} GB/s reading the {ceiling.BytesPerPass / 1e9:F2} GB of weights a generated token reads with {ceiling.Threads} thread{(ceiling.Threads == 1 ? "" : "s")}, so at most {ceiling.TokensPerSecondBound:F2} t/s");
        return generation is null ? line
            : line + string.Create(CultureInfo.InvariantCulture, $"; {generation.Name} ran at {100 * generation.Average / ceiling.TokensPerSecondBound:F0} % of that");
    }

    private static BenchRecord Record(ThroughputResult r, string modelType, long size, long parameters, string path)
    {
        double[] samplesNs = SamplesNs(r);
        return new BenchRecord(
            BuildCommit: "starchat",
            CpuInfo: Environment.GetEnvironmentVariable("HOSTNAME") ?? "",
            Backends: "CPU",
            ModelFilename: path,
            ModelType: modelType,
            ModelSize: size,
            ModelNParams: parameters,
            NThreads: r.Threads,
            NPrompt: r.PromptTokens,
            NGen: r.GeneratedTokens,
            KernelPath: KernelSelection.Current.ToString(),
            AvgNs: (long)Mean(samplesNs),
            StddevNs: (long)StdDev(samplesNs),
            AvgTs: r.Average,
            StddevTs: r.StdDev,
            SamplesNs: [.. samplesNs.Select(ns => (long)ns)],
            SamplesTs: [.. r.SamplesTs]);
    }

    private static double[] SamplesNs(ThroughputResult r)
        => [.. r.SamplesTs.Select(ts => 1e9 * (r.PromptTokens + r.GeneratedTokens) / ts)];

    private static double Mean(double[] values) => values.Length == 0 ? 0 : values.Average();

    private static double StdDev(double[] values)
    {
        if (values.Length < 2)
            return 0;
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
    }

    private static void Table(CliContext context, List<ThroughputResult> results, string modelType, long size, long parameters)
    {
        var table = new Table().Border(TableBorder.Markdown);
        foreach (var column in new[] { "model", "size", "params", "backend", "threads", "test", "t/s" })
            table.AddColumn(new TableColumn(column).RightAligned());
        foreach (var r in results)
            table.AddRow(Markup.Escape(modelType), $"{size / 1073741824.0:F2} GiB", $"{parameters / 1e9:F2} B", $"CPU ({KernelSelection.Current})",
                r.Threads.ToString(CultureInfo.InvariantCulture), r.Name,
                string.Create(CultureInfo.InvariantCulture, $"{r.Average:F2} ± {r.StdDev:F2} (median {r.Median:F2})"));
        context.Console.Write(table);
    }

    private static TensorType ParseType(string name) => name.ToLowerInvariant() switch
    {
        "f32" => TensorType.F32, "f16" => TensorType.F16, "bf16" => TensorType.BF16, "q8_0" => TensorType.Q8_0,
        "q4_0" => TensorType.Q4_0, "q4_1" => TensorType.Q4_1, "q5_0" => TensorType.Q5_0, "q5_1" => TensorType.Q5_1,
        "q2_k" => TensorType.Q2_K, "q3_k" => TensorType.Q3_K, "q4_k" => TensorType.Q4_K, "q5_k" => TensorType.Q5_K, "q6_k" => TensorType.Q6_K,
        _ => throw new ArgumentException($"unknown --type '{name}'"),
    };

    private static GgufTokenizerData TokenizerFor(string? path)
    {
        path ??= DefaultPaths.Shared is { } shared ? Path.Combine(shared, "data", "tokenizer", "starcoder", "ggml-vocab-starcoder.gguf") : null;
        if (path is null || !(File.Exists(path) || Directory.Exists(path)))
            throw new ArgumentException("the synthetic model needs a tokenizer: pass --tokenizer (a GGUF, model folder or tokenizer.json with at most 49152 tokens)");
        if (File.Exists(path) && StarChat.Formats.ModelFile.Detect(path) == StarChat.Formats.ModelFormat.Gguf)
        {
            using var gguf = GgufFile.Open(path);
            return GgufTokenizerData.FromMetadata(path, gguf.Metadata) ?? throw new ArgumentException($"{path} has no tokenizer");
        }
        return GgufTokenizerExport.From(ModelTokenizer.Load(path));
    }
}
