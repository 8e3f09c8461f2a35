using BenchmarkDotNet.Running;

// Run all or pick with --filter, e.g. `dotnet run -c Release --project bench/StarChat.Benchmarks -- --filter *Tokenizer*`.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
