using Google.Protobuf;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Core.Chain;

/// <summary>Makes and checks commit certificates: precommits for one block from more than 2/3 of the voting power.</summary>
public static class CommitCertificates
{
    /// <summary>A certificate with one validator's precommit; consensus adds the others' with AddSignature.</summary>
    public static CommitCertificate Create(ulong height, uint round, byte[] blockHash) => new()
    {
        Height = height,
        Round = round,
        BlockHash = ByteString.CopyFrom(blockHash),
    };

    public static void AddSignature(CommitCertificate certificate, string chainId, string validatorId, SigningKey key)
    {
        var signBytes = Votes.SignBytes(chainId, certificate.Height, certificate.Round, VoteType.Precommit, certificate.BlockHash.Span);
        certificate.Signatures.Add(new CommitSignature { ValidatorId = validatorId, Signature = ByteString.CopyFrom(key.Sign(signBytes)) });
    }

    /// <summary>
    /// Null when certificate proves that blockHash is final at height under validators; otherwise what is wrong.
    /// Any subset of valid signatures holding a quorum is accepted; an invalid signature is never ignored.
    /// </summary>
    public static string? Problem(CommitCertificate? certificate, string chainId, ulong height, ReadOnlySpan<byte> blockHash, ValidatorSet validators)
    {
        if (certificate is null)
        {
            return $"no commit certificate for height {height}";
        }

        if (certificate.Height != height || !certificate.BlockHash.Span.SequenceEqual(blockHash))
        {
            return $"the certificate signs height {certificate.Height} and another block (header hash), not this block at height {height}";
        }

        // A round's nil precommits sign an empty hash: a quorum of them is no commit (D49's announcements verify certificates that name only a hash).
        if (blockHash.Length != BlockHashing.HashBytes)
        {
            return $"the certificate names no block ({blockHash.Length}-byte hash): precommits for nil commit nothing";
        }

        var signBytes = Votes.SignBytes(chainId, height, certificate.Round, VoteType.Precommit, blockHash);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var power = 0UL;
        foreach (var signature in certificate.Signatures)
        {
            var validator = validators.Find(signature.ValidatorId);
            if (validator is null)
            {
                return $"{signature.ValidatorId} is not a validator at height {height}";
            }

            if (!seen.Add(signature.ValidatorId))
            {
                return $"{signature.ValidatorId} signed the certificate twice";
            }

            if (!SignatureSuites.Verify(validator.PublicKey, signBytes, signature.Signature.Span))
            {
                return $"the precommit signature of {signature.ValidatorId} does not verify";
            }

            power += validator.Power;
        }

        return validators.IsQuorum(power)
            ? null
            : $"the certificate holds {power} of {validators.TotalPower} voting power; more than 2/3 ({validators.QuorumPower}) is needed";
    }
}
