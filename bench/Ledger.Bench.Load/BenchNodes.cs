using Ledger.Client;

namespace Ledger.Bench.Load;

/// <summary>The devnet's nodes (https since D28) and the CA to trust: $LEDGER_CA, else devnet-data/tls/ca.pem.</summary>
internal static class BenchNodes
{
    public static Uri[] Devnet() => Enumerable.Range(7101, 4).Select(p => new Uri($"https://127.0.0.1:{p}")).ToArray();

    public static LedgerClientOptions Options(Uri node) => new()
    {
        Endpoint = node,
        CaFile = node.Scheme == "https" ? Environment.GetEnvironmentVariable("LEDGER_CA") is { Length: > 0 } ca ? ca : "devnet-data/tls/ca.pem" : "",
    };
}
