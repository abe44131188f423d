using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Core.Chain;

/// <summary>The validators in force at a height, in id order, with their voting power (DESIGN §7).</summary>
public sealed class ValidatorSet
{
    /// <summary>Bounds the total so that 3 × total never overflows.</summary>
    public const ulong TotalPowerMax = 1UL << 60;

    public const int ValidatorsMax = 128;

    private readonly Dictionary<string, Validator> _byId;

    public ValidatorSet(IEnumerable<Validator> validators)
    {
        Validators = validators.OrderBy(v => v.ValidatorId, StringComparer.Ordinal).ToList();
        _byId = Validators.ToDictionary(v => v.ValidatorId, StringComparer.Ordinal);
        TotalPower = Validators.Aggregate(0UL, (sum, v) => checked(sum + v.Power));
        Invariant.Require(Validators.Count > 0 && TotalPower > 0 && TotalPower <= TotalPowerMax, "a validator set has power");
    }

    public IReadOnlyList<Validator> Validators { get; }

    public ulong TotalPower { get; }

    /// <summary>The least power that is more than two thirds of the total.</summary>
    public ulong QuorumPower => (TotalPower * 2 / 3) + 1;

    public Validator? Find(string validatorId) => _byId.GetValueOrDefault(validatorId);

    /// <summary>Proposer rotation (height + round) mod n over the id-ordered set.</summary>
    public Validator Proposer(ulong height, uint round) => Validators[(int)((height + round) % (ulong)Validators.Count)];

    public bool IsQuorum(ulong power) => power >= QuorumPower;

    /// <summary>docs/PROTOCOL.md §6: tag ‖ count ‖ (id ‖ algorithm ‖ key ‖ power) in id order.</summary>
    public byte[] Hash(INetworkHash hash)
    {
        var writer = new CanonicalWriter(64 + (Validators.Count * 96))
            .Bytes(DomainTags.ValidatorSet)
            .UInt32((uint)Validators.Count);
        foreach (var validator in Validators)
        {
            writer.String(validator.ValidatorId)
                .UInt32((uint)validator.PublicKey.Algorithm)
                .Bytes(validator.PublicKey.Key.Span)
                .UInt64(validator.Power);
        }

        return hash.Hash(writer.WrittenSpan);
    }
}
