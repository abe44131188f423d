using System.CommandLine;
using Ledger.Cli;

var root = new RootCommand("ledger: the Ordos carbon inclusive ledger's tool for administrators, auditors and developers")
{
    DevnetCommand.Create(),
    StatusCommand.Create(),
    KeysCommand.Create(),
    EvidenceCommand.Create(),
    VerifyCommand.Create(),
};
var parsed = root.Parse(args);
var exitCode = await parsed.InvokeAsync();

// `ledger verify` promises scripts 2 for misuse, so that 1 always means "the chain does not verify".
return parsed.Errors.Count > 0 && parsed.CommandResult.Command.Name == VerifyCommand.Name ? VerifyCommand.UsageExitCode : exitCode;
