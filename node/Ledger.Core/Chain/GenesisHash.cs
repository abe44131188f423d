using Ledger.Core.Crypto;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;

namespace Ledger.Core.Chain;

/// <summary>
/// The fingerprint organisations compare out of band before they start a network (docs/PROTOCOL.md §11.1):
/// it commits the chain id, the hash algorithm, the genesis time, every participant (through the
/// genesis state root), the validators (through their set hash) and the rules' effective parameters,
/// and nothing of the JSON's layout.
/// </summary>
public static class GenesisHash
{
    /// <summary>The genesis hash under the genesis's own network hash.</summary>
    /// <exception cref="ArgumentException">The genesis is not valid (<see cref="GenesisValidator"/>).</exception>
    public static byte[] Compute(Genesis genesis)
    {
        ArgumentNullException.ThrowIfNull(genesis);
        if (GenesisValidator.Problems(genesis) is { Count: > 0 } problems)
        {
            throw new ArgumentException("the genesis hash is defined for a valid genesis only: " + problems[0], nameof(genesis));
        }

        var hash = NetworkHashes.For(genesis.HashAlgorithm);
        var parameters = ChainParameters.FromGenesis(genesis);
        var stateRoot = new LedgerStateMachine(parameters).ApplyGenesis(genesis).StateRoot;
        var rules = parameters.Rules;
        var bytes = new CanonicalWriter(176)
            .Bytes(DomainTags.Genesis)
            .String(genesis.ChainId)
            .UInt32((uint)genesis.HashAlgorithm)
            .Int64(genesis.GenesisTimeMs)
            .Fixed(stateRoot)
            .Fixed(new ValidatorSet(genesis.Validators).Hash(hash))
            .UInt32(rules.NoticeWorkingDays)
            .UInt32(rules.ReviewOpinionsRequired)
            .Byte(rules.Development ? (byte)1 : (byte)0)
            .WrittenSpan;
        return hash.Hash(bytes);
    }

    /// <summary>Lowercase hex, grouped in eight blocks of eight digits so people can read it to each other.</summary>
    public static string Format(ReadOnlySpan<byte> genesisHash)
    {
        var hex = Convert.ToHexStringLower(genesisHash);
        return string.Join(' ', Enumerable.Range(0, hex.Length / 8).Select(i => hex.Substring(i * 8, 8)));
    }
}
