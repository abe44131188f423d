using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Consensus;

/// <summary>What proposals and votes sign (docs/PROTOCOL.md §6), and their verification against the validators in force.</summary>
public static class ConsensusSigning
{
    /// <summary>tag ‖ chain_id ‖ height ‖ round ‖ valid_round + 1 ‖ block hash: the block travels beside, bound by its hash.</summary>
    public static byte[] ProposalSignBytes(string chainId, Proposal proposal, ReadOnlySpan<byte> blockHash) =>
        new CanonicalWriter(128)
            .Bytes(DomainTags.Proposal)
            .String(chainId)
            .UInt64(proposal.Height)
            .UInt32(proposal.Round)
            .UInt32(checked((uint)(proposal.ValidRound + 1)))
            .Bytes(blockHash)
            .ToArray();

    public static byte[] VoteSignBytes(string chainId, Vote vote) =>
        Votes.SignBytes(chainId, vote.Height, vote.Round, (VoteType)vote.Kind, vote.BlockHash.Span);

    public static bool VerifyVote(string chainId, Vote vote, ValidatorSet validators) =>
        vote.Kind is VoteKind.Prevote or VoteKind.Precommit
        && (vote.BlockHash.Length is 0 or BlockHashing.HashBytes)
        && validators.Find(vote.ValidatorId) is { } validator
        && SignatureSuites.Verify(validator.PublicKey, VoteSignBytes(chainId, vote), vote.Signature.Span);

    public static bool VerifyProposal(string chainId, Proposal proposal, ReadOnlySpan<byte> blockHash, ValidatorSet validators) =>
        proposal.ValidRound >= -1
        && proposal.ValidRound < proposal.Round
        && validators.Find(proposal.Proposer) is { } validator
        && SignatureSuites.Verify(validator.PublicKey, ProposalSignBytes(chainId, proposal, blockHash), proposal.Signature.Span);

    /// <summary>The precommits of a certificate as individual votes, so a Decision feeds the same vote sets as gossip.</summary>
    public static IEnumerable<Vote> Precommits(CommitCertificate certificate) =>
        certificate.Signatures.Select(s => new Vote
        {
            Kind = VoteKind.Precommit,
            Height = certificate.Height,
            Round = certificate.Round,
            BlockHash = certificate.BlockHash,
            ValidatorId = s.ValidatorId,
            Signature = s.Signature,
        });

    /// <summary>A certificate from precommits for one block: exactly the signatures the state machine counted.</summary>
    public static CommitCertificate Certificate(ulong height, uint round, byte[] blockHash, IEnumerable<Vote> precommits) => new()
    {
        Height = height,
        Round = round,
        BlockHash = ByteString.CopyFrom(blockHash),
        Signatures = { precommits.OrderBy(v => v.ValidatorId, StringComparer.Ordinal).Select(v => new CommitSignature { ValidatorId = v.ValidatorId, Signature = v.Signature }) },
    };
}
