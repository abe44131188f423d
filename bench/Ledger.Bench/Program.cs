using Ledger.Bench;

// dotnet run -c Release --project bench/Ledger.Bench -- <target> [options]; docs/BENCHMARKS.md lists every command.
//   limits    [--each S]                                   the machine limits table
//   transfers [--validators 4|1] [--seconds N] [--workers N] [--traders N] [--rate R] [--open-seconds N]
//             [--warmup S] [--presign N] [--mode closed|batch] [--dir DIR] [--slice-seconds S (10; 0: none)]
//             [--node Name=Value,...  node options for every node, e.g. BlockBuildMsMax=150]
//             [--submit unary|stream  the open loop: a SubmitAndWait call per transfer, or one SubmitAndWaitStream per client]
//   scenario  [--records N] [--in-flight N]                a scenario day through 4 validators
//   verify    [--transactions N] [--chains DIR]            `ledger verify` over a cached chain of >= N transactions
//   sm2       [--each S]                                   SM2 verify against Ed25519 verify
// Each target prints one line starting "figure:" with the figure, the limit measured in this run and the ratio.
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("targets: limits, transfers, scenario, verify, sm2 (see the comment at the top of bench/Ledger.Bench/Program.cs)");
    return args.Length == 0 ? 2 : 0;
}

var options = BenchOptions.Parse(args[1..]);
Console.WriteLine($"machine: {Machine.Describe()}");
switch (args[0])
{
    case "limits":
        Limits.Print(await Limits.MeasureAllAsync(options.Each), Console.Out);
        Console.WriteLine("figure: limits measured");
        return 0;
    case "transfers":
        return await Targets.TransfersAsync(options);
    case "scenario":
        return await Targets.ScenarioAsync(options);
    case "verify":
        return await Targets.VerifyAsync(options);
    case "sm2":
        return Targets.Sm2(options);
    default:
        Console.Error.WriteLine($"unknown target {args[0]}: limits, transfers, scenario, verify, sm2");
        return 2;
}
