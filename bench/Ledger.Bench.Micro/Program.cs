using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Ledger.Bench.Micro -- --filter '*'          every benchmark
// dotnet run -c Release --project bench/Ledger.Bench.Micro -- --filter '*Verify*' --job short
BenchmarkSwitcher.FromAssembly(typeof(Ledger.Bench.Micro.MicroChain).Assembly).Run(args);
