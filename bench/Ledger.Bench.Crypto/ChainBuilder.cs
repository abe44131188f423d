using System.Diagnostics;
using System.Globalization;
using Ledger.Core.Chain;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using Ledger.Storage;
using Ledger.Testing;

namespace Ledger.Bench.Crypto;

/// <summary>
/// `-- chain DIR [transactions] [per block] [signatures per transaction]`: writes a RocksDB data directory of a
/// certified chain of FileMethodology transactions by the bureau, one Ed25519 signature each (what the devnet
/// load generator sends) or, with 3, co-signed by the operator and the verifier (as many as a transfer carries),
/// through Ledger.Core and Ledger.Storage without running a node; the test genesis is written next to it
/// as DIR.genesis.json for `ledger verify --genesis`. Kept when it exists with that many transactions.
/// </summary>
public static class ChainBuilder
{
    public static int Run(string[] args)
    {
        var directory = Path.GetFullPath(args[0]);
        var transactions = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200_000;
        var perBlock = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2_000;
        var signatures = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 1;
        if (signatures is not (1 or 3))
        {
            throw new ArgumentException("signatures per transaction: 1 or 3");
        }
        var ledger = new TestLedger();
        var genesisFile = directory + ".genesis.json";
        if (File.Exists(genesisFile) && Directory.Exists(directory))
        {
            Console.WriteLine($"kept {directory} (delete it to rebuild)");
            return 0;
        }

        var clock = Stopwatch.StartNew();
        var genesisState = ledger.Machine.ApplyGenesis(ledger.Genesis);
        using (var store = RocksDbChainStore.Open(directory))
        {
            store.InitializeGenesis(ledger.Genesis, genesisState);
            var state = new InMemoryState();
            state.Apply(genesisState.Changes);
            var validators = new ValidatorSet(ledger.Genesis.Validators);
            var head = ChainHead.Genesis(ledger.Genesis);
            CommitCertificate? last = null;
            var bureau = ledger.KeyOf(TestLedger.Bureau);
            (string, Ledger.Core.Crypto.SigningKey)[] coSigners = signatures == 3
                ? [(TestLedger.Operator, ledger.KeyOf(TestLedger.Operator)), (TestLedger.Verifier, ledger.KeyOf(TestLedger.Verifier))]
                : [];
            var nonce = 1UL;
            for (var done = 0; done < transactions;)
            {
                var count = Math.Min(perBlock, transactions - done);
                var candidates = new Envelope[count];
                Parallel.For(0, count, i => candidates[i] = EnvelopeFactory.Create(
                    TestLedger.ChainId, new TransactionBody { FileMethodology = new FileMethodology { MethodologyId = $"B-{done + i}", Title = "load", Level = MethodologyLevel.Group, Version = "1" } }, TestLedger.Bureau, bureau, nonce + (ulong)i, head.Height + 100, coSigners));
                nonce += (ulong)count;
                var proposer = validators.Proposer(head.Height + 1, 0).ValidatorId;
                var (block, leftOut) = Blocks.Propose(ledger.Machine, state, head, candidates, head.TimeMs + 1_000, proposer, validators, last);
                if (leftOut.Count > 0)
                {
                    throw new InvalidOperationException($"block {head.Height + 1} left out {leftOut.Count}: {leftOut[0].Receipt.Message}");
                }

                var certificate = CommitCertificates.Create(block.Block.Header.Height, 0, block.HeaderHash);
                foreach (var validator in TestLedger.ValidatorIds[..3])
                {
                    CommitCertificates.AddSignature(certificate, TestLedger.ChainId, validator, TestKeys.For(validator));
                }

                store.CommitBlock(block, certificate);
                state.Apply(block.Execution.Changes);
                head = new ChainHead(block.Block.Header.Height, block.HeaderHash, block.Block.Header.TimeMs);
                last = certificate;
                done += count;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {transactions:N0} transactions ({signatures} signature(s) each) in {head.Height} blocks to {directory} in {clock.Elapsed.TotalSeconds:F0} s"));
        }

        File.WriteAllText(genesisFile, Google.Protobuf.JsonFormatter.Default.Format(ledger.Genesis));
        return 0;
    }
}
