using BenchmarkDotNet.Running;
using StarChat.Benchmarks;

// `tokenizer-throughput TOKENIZER CORPUS RUNS` is the measurement bench/tokenizer/compare.sh runs side by side with
// Hugging Face tokenizers; anything else goes to BenchmarkDotNet, e.g. `-- --filter *Tokenizer*`.
if (args.Length >= 3 && args[0] == "tokenizer-throughput")
    return TokenizerThroughput.Run(args[1], args[2], args.Length > 3 ? int.Parse(args[3]) : 7);

// `lmeval-throughput TASK[:SHOTS] DOCS BATCH [THREADS]`: eval lm docs/s on a StarCoderBase-1B-shaped random model.
if (args.Length >= 4 && args[0] == "lmeval-throughput")
    return LmEvalThroughput.Run(args[1], int.Parse(args[2]), int.Parse(args[3]), args.Length > 4 ? int.Parse(args[4]) : 0);

// `lmeval-tokens TASKS [SHOTS]`: tokens a full eval lm run evaluates (no model run).
if (args.Length >= 2 && args[0] == "lmeval-tokens")
    return LmEvalTokenCount.Run(args[1], args.Length > 2 ? int.Parse(args[2]) : null);

BenchmarkSwitcher.FromAssembly(typeof(TokenizerBenchmarks).Assembly).Run(args);
return 0;
