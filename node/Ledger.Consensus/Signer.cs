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
/// The only holder of the validator's keys. It never signs a lower (height, round, step) than it has,
/// never signs different bytes at the same one, and returns the stored signature for the same
/// bytes; its state is durable before a signature leaves (CometBFT privval's rules). So an honest
/// validator cannot equivocate, even across crashes, as long as its state survives.
/// It may hold a current and a next key (a rotation by ChangeValidators): before each height the
/// driver calls <see cref="UseKeyFor"/> with that height's validators, and it signs only with the key
/// they name. The (height, round, step) order spans keys: a new key never re-signs an old step.
/// </summary>
public sealed class Signer
{
    /// <summary>Keys one validator may hold at once: the current one and the next.</summary>
    public const int KeysMax = 2;

    private readonly IReadOnlyList<SigningKey> _keys;
    private readonly string _validatorId;
    private readonly string _chainId;
    private readonly ISignerStateStore _store;
    private SignerState? _last;
    private SigningKey? _active;

    /// <summary>One key, in use at once (a validator whose key never changes).</summary>
    public Signer(SigningKey key, string validatorId, string chainId, ISignerStateStore store)
        : this([key], validatorId, chainId, store)
    {
        _active = key;
    }

    /// <summary>Several keys; none is used until <see cref="UseKeyFor"/> finds the one a validator set names.</summary>
    public Signer(IReadOnlyList<SigningKey> keys, string validatorId, string chainId, ISignerStateStore store)
    {
        Ledger.Core.Invariant.Require(keys.Count is > 0 and <= KeysMax, $"a signer holds 1-{KeysMax} keys");
        _keys = keys;
        _validatorId = validatorId;
        _chainId = chainId;
        _store = store;
        _last = _store.Load();
    }

    /// <summary>The public key signatures are made with now, or null when this signer must not sign.</summary>
    public PublicKey? ActiveKey => _active?.ToPublicKey();

    /// <summary>
    /// Chooses the held key that validators name for this validator. Null (and no signing until the next
    /// call) when the set does not include this validator, or names a key this signer does not hold.
    /// </summary>
    public PublicKey? UseKeyFor(ValidatorSet validators)
    {
        var named = validators.Find(_validatorId)?.PublicKey;
        _active = named is null ? null : _keys.FirstOrDefault(k => k.ToPublicKey().Equals(named));
        return ActiveKey;
    }

    public string ValidatorId => _validatorId;

    public SignerState? Last => _last;

    /// <summary>The signed proposal, or null when signing it would regress or conflict.</summary>
    public Proposal? Sign(Proposal proposal, byte[] blockHash)
    {
        var signBytes = ConsensusSigning.ProposalSignBytes(_chainId, proposal, blockHash);
        var signature = Sign(proposal.Height, proposal.Round, SignStep.Proposal, signBytes);
        if (signature is null)
        {
            return null;
        }

        var signed = proposal.Clone();
        signed.Proposer = _validatorId;
        signed.Signature = ByteString.CopyFrom(signature);
        return signed;
    }

    /// <summary>The signed vote, or null when signing it would regress or conflict.</summary>
    public Vote? Sign(Vote vote)
    {
        var unsigned = vote.Clone();
        unsigned.ValidatorId = _validatorId;
        unsigned.Signature = ByteString.Empty;
        var step = vote.Kind == VoteKind.Prevote ? SignStep.Prevote : SignStep.Precommit;
        var signature = Sign(vote.Height, vote.Round, step, ConsensusSigning.VoteSignBytes(_chainId, unsigned));
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

        if (_active is null)
        {
            return null;
        }

        var next = new SignerState(height, round, step, signBytes, _active.Sign(signBytes));
        _store.Save(next);
        _last = next;
        return next.Signature;
    }

    private int Compare(ulong height, uint round, SignStep step) =>
        _last is null ? 1 : (height, round, (int)step).CompareTo((_last.Height, _last.Round, (int)_last.Step));
}
