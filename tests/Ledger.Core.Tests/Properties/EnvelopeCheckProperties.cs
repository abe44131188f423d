using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;

namespace Ledger.Core.Tests.Properties;

/// <summary>
/// The admission of a peer's transaction (D39) runs the envelope checks alone. They must be exactly the first
/// part of the full check: whatever the full check admits, they admit; whatever they refuse, the full check
/// refuses with the same code and message. Tried on random runs of honest and adversarial transactions.
/// </summary>
public sealed class EnvelopeCheckProperties
{
    /// <summary>Refusals only the envelope's own checks give (no handler uses these codes).</summary>
    private static readonly HashSet<RejectionCode> EnvelopeOnly = [RejectionCode.WrongChain, RejectionCode.Expired, RejectionCode.BadSignature, RejectionCode.NonceReused];

    [Property(MaxTest = 60, Arbitrary = [typeof(LedgerProperties.Adversarial)])]
    public Property Envelope_checks_are_the_full_checks_first_part(Run run)
    {
        var source = new LedgerDriver();
        foreach (var block in run.Blocks)
        {
            source.RunBlock(block);
        }

        // Replay the same blocks on a fresh ledger, comparing both checks on the state each block met.
        var replay = new LedgerDriver();
        var problems = new List<string>();
        foreach (var envelopes in source.AppliedBlocks)
        {
            var context = new BlockContext(replay.Ledger.Height + 1, replay.Ledger.TimeMs + 1_000);
            foreach (var envelope in envelopes)
            {
                var full = replay.Ledger.Machine.Check(replay.Ledger.Store, context, envelope);
                var frame = replay.Ledger.Machine.CheckEnvelope(replay.Ledger.Store, context, envelope);
                if (!full.TransactionId.Equals(frame.TransactionId))
                {
                    problems.Add("the two checks named different transaction ids");
                }
                else if (full.Code == RejectionCode.Unspecified && frame.Code != RejectionCode.Unspecified)
                {
                    problems.Add($"the full check admitted what the envelope check refused ({frame.Code})");
                }
                else if (frame.Code != RejectionCode.Unspecified && (full.Code != frame.Code || full.Message != frame.Message))
                {
                    problems.Add($"the envelope check refused with {frame.Code}, the full check with {full.Code}");
                }
                else if (frame.Code == RejectionCode.Unspecified && EnvelopeOnly.Contains(full.Code))
                {
                    problems.Add($"the envelope check admitted what the full check refused for its envelope ({full.Code})");
                }
            }

            replay.Ledger.ApplyBlock(envelopes);
        }

        return (problems.Count == 0).Label(string.Join("; ", problems.Distinct().Take(5)));
    }
}
