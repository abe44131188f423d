using System.CommandLine;
using Ledger.Cli;

var root = new RootCommand("ledger: the Ordos carbon inclusive ledger's tool for administrators, auditors and developers")
{
    DevnetCommand.Create(),
    StatusCommand.Create(),
    KeysCommand.Create(),
    EvidenceCommand.Create(),
    VerifyCommand.Create(),
    BackupCommand.Create(),
    CertCommand.Create(),
    ExportCommand.Create(),
    NetworkCommand.Create(),
    TxCommand.Create(),
    QueryCommand.Create(),
};
var parsed = root.Parse(args);
if (parsed.Action is System.CommandLine.Invocation.ParseErrorAction parseError)
{
    // The error and a pointer to --help, not the whole help page after every typo.
    parseError.ShowHelp = false;
}

var exitCode = await parsed.InvokeAsync();

// `ledger verify`, `cert`, `tx` and `query` promise scripts 2 for misuse, so that 1 always means "does not verify".
var promisesUsageCode = parsed.CommandResult.Command.Name == VerifyCommand.Name || CertCommand.Owns(parsed.CommandResult) || TxCommand.Owns(parsed.CommandResult) || QueryCommand.Owns(parsed.CommandResult);
return parsed.Errors.Count > 0 && promisesUsageCode ? VerifyCommand.UsageExitCode : exitCode;
