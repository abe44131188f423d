using System.CommandLine;
using Ledger.Cli;

var root = new RootCommand("ledger: the Ordos carbon inclusive ledger's tool for administrators, auditors and developers")
{
    DevnetCommand.Create(),
    StatusCommand.Create(),
    KeysCommand.Create(),
    EvidenceCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
