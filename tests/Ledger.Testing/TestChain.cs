using Ledger.Core.Chain;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using Xunit;

namespace Ledger.Testing;

/// <summary>
/// A chain of real, certified blocks from a <see cref="TestLedger"/>'s genesis (its store is not used), for
/// the auditor's replay: <see cref="ChainVerifier"/> and `ledger verify`'s pipeline. Each block is proposed with
/// <see cref="Blocks.Propose"/> and certified by three of the four test validators.
/// </summary>
public sealed class TestChain
{
    private readonly TestLedger _ledger;
    private readonly InMemoryState _state = new();
    private ChainHead _head;
    private ulong _nonce = 1;

    public TestChain(TestLedger ledger)
    {
        _ledger = ledger;
        _state.Apply(ledger.Machine.ApplyGenesis(ledger.Genesis).Changes);
        _head = ChainHead.Genesis(ledger.Genesis);
    }

    public Genesis Genesis => _ledger.Genesis;

    public List<(Block Block, CommitCertificate Certificate)> Blocks { get; } = [];

    public ulong Height => _head.Height;

    /// <summary>The next height's envelope by signer with co-signers, each with the key the test ledger holds for them.</summary>
    public Envelope Sign(string signer, TransactionBody body, params string[] coSigners) =>
        EnvelopeFactory.Create(TestLedger.ChainId, body, signer, _ledger.KeyOf(signer), _nonce++, _head.Height + 100, [.. coSigners.Select(c => (c, _ledger.KeyOf(c)))]);

    /// <summary>Proposes, executes and certifies the next block; every envelope must commit.</summary>
    public Block Add(params Envelope[] envelopes)
    {
        var proposer = TestLedger.ValidatorIds[0];
        var (block, leftOut) = Ledger.Core.Chain.Blocks.Propose(_ledger.Machine, _state, _head, envelopes, _head.TimeMs + 1_000, proposer, Blocks.LastOrDefault().Certificate);
        Assert.True(leftOut.Count == 0, leftOut.Count == 0 ? "" : $"left out: {leftOut[0].Receipt.Code}: {leftOut[0].Receipt.Message}");
        var certificate = CommitCertificates.Create(block.Block.Header.Height, 0, block.HeaderHash);
        foreach (var validator in TestLedger.ValidatorIds[..3])
        {
            CommitCertificates.AddSignature(certificate, TestLedger.ChainId, validator, TestKeys.For(validator));
        }

        _state.Apply(block.Execution.Changes);
        _head = new ChainHead(block.Block.Header.Height, block.HeaderHash, block.Block.Header.TimeMs);
        Blocks.Add((block.Block, certificate));
        return block.Block;
    }

    /// <summary>Blocks of methodology filings by the bureau, each co-signed by the operator and the verifier: three signatures per transaction.</summary>
    public void AddFilings(int blocks, int perBlock)
    {
        for (var b = 0; b < blocks; b++)
        {
            Add([.. Enumerable.Range(0, perBlock).Select(i => Sign(TestLedger.Bureau, Bodies.FileMethodology($"M-{_head.Height + 1}-{i}", MethodologyLevel.Group), TestLedger.Operator, TestLedger.Verifier))]);
        }
    }

    /// <summary>Participant signatures in every block (what the replay must check), and certificate signatures (stored and as next blocks' last commit).</summary>
    public long Signatures => Blocks.Sum(b => b.Block.Transactions.Sum(t => (long)t.Signatures.Count));

    public long CertificateSignatures => Blocks.Sum(b => (long)b.Certificate.Signatures.Count + (b.Block.LastCommit?.Signatures.Count ?? 0));

    /// <summary>A copy of the chain (blocks cloned) to tamper with.</summary>
    public List<(Block Block, CommitCertificate Certificate)> Copy() => [.. Blocks.Select(b => (b.Block.Clone(), b.Certificate.Clone()))];

    /// <summary>Flips a bit in the middle of a transaction's signature (the last: a co-signature when it has any).</summary>
    public static void FlipSignature(Envelope envelope, int signature = -1)
    {
        var index = signature < 0 ? envelope.Signatures.Count - 1 : signature;
        var bytes = envelope.Signatures[index].Value.ToByteArray();
        bytes[bytes.Length / 2] ^= 0x01;
        envelope.Signatures[index].Value = Google.Protobuf.ByteString.CopyFrom(bytes);
    }
}
