using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Consensus;

/// <summary>Where the signer keeps its last signature. Save returns only when the state is durable (DESIGN §7, rule 1).</summary>
public interface ISignerStateStore
{
    SignerState? Load();

    void Save(SignerState state);
}

/// <summary>The step of a signature, in signing order within a round.</summary>
public enum SignStep
{
    Proposal = 1,
    Prevote = 2,
    Precommit = 3,
}

/// <summary>The last (height, round, step) signed, with exactly what was signed and the signature.</summary>
public sealed record SignerState(ulong Height, uint Round, SignStep Step, byte[] SignBytes, byte[] Signature);

/// <summary>
/// The only holder of the validator key. It never signs a lower (height, round, step) than it has,
/// never signs different bytes at the same one, and returns the stored signature for the same
/// bytes; its state is durable before a signature leaves (CometBFT privval's rules). So an honest
/// validator cannot equivocate, even across crashes, as long as its state survives.
/// </summary>
public sealed class Signer(SigningKey key, string validatorId, string chainId, ISignerStateStore store)
{
    private SignerState? _last = store.Load();

    public string ValidatorId => validatorId;

    public SignerState? Last => _last;

    /// <summary>The signed proposal, or null when signing it would regress or conflict.</summary>
    public Proposal? Sign(Proposal proposal, byte[] blockHash)
    {
        var signBytes = ConsensusSigning.ProposalSignBytes(chainId, proposal, blockHash);
        var signature = Sign(proposal.Height, proposal.Round, SignStep.Proposal, signBytes);
        if (signature is null)
        {
            return null;
        }

        var signed = proposal.Clone();
        signed.Proposer = validatorId;
        signed.Signature = ByteString.CopyFrom(signature);
        return signed;
    }

    /// <summary>The signed vote, or null when signing it would regress or conflict.</summary>
    public Vote? Sign(Vote vote)
    {
        var unsigned = vote.Clone();
        unsigned.ValidatorId = validatorId;
        unsigned.Signature = ByteString.Empty;
        var step = vote.Kind == VoteKind.Prevote ? SignStep.Prevote : SignStep.Precommit;
        var signature = Sign(vote.Height, vote.Round, step, ConsensusSigning.VoteSignBytes(chainId, unsigned));
        if (signature is null)
        {
            return null;
        }

        unsigned.Signature = ByteString.CopyFrom(signature);
        return unsigned;
    }

    private byte[]? Sign(ulong height, uint round, SignStep step, byte[] signBytes)
    {
        var order = Compare(height, round, step);
        if (order < 0)
        {
            return null;
        }

        if (order == 0)
        {
            return _last!.SignBytes.AsSpan().SequenceEqual(signBytes) ? _last.Signature : null;
        }

        var next = new SignerState(height, round, step, signBytes, key.Sign(signBytes));
        store.Save(next);
        _last = next;
        return next.Signature;
    }

    private int Compare(ulong height, uint round, SignStep step) =>
        _last is null ? 1 : (height, round, (int)step).CompareTo((_last.Height, _last.Round, (int)_last.Step));
}
