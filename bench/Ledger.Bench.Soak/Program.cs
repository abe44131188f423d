using Ledger.Bench.Soak;

// dotnet run -c Release --project bench/Ledger.Bench.Soak -- --minutes 10 --seed 42   (docs/BENCHMARKS.md)
SoakOptions options;
try
{
    options = SoakOptions.Parse(args);
}
catch (FormatException exception)
{
    Console.Error.WriteLine(exception.Message);
    Console.Error.WriteLine(SoakOptions.Usage);
    return 2;
}

var report = await Soak.RunAsync(options, Console.Out);
report.Print(Console.Out);
return report.Passed ? 0 : 1;
