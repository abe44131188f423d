using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Chain;

/// <summary>
/// Checks a whole chain from nothing but its genesis: hash links, transaction roots, every
/// signature and role (by re-executing each block with the same state machine the nodes run),
/// every commit certificate, and every state root. Pure: the caller supplies the blocks.
/// </summary>
public static class ChainVerifier
{
    public sealed record Result(ulong HeightsVerified, ulong? FailedHeight, string? Problem, InMemoryState State, ChainHead Head)
    {
        public bool Verified => Problem is null;
    }

    /// <summary>A stored block and the certificate stored with it; null when the height is missing.</summary>
    public delegate (Block Block, CommitCertificate? Certificate)? BlockSource(ulong height);

    public static Result Verify(Genesis genesis, ulong headHeight, BlockSource blocks)
    {
        if (GenesisValidator.Problems(genesis) is { Count: > 0 } problems)
        {
            return new Result(0, 0, "genesis: " + string.Join("; ", problems), new InMemoryState(), ChainHead.Genesis(genesis));
        }

        var machine = new LedgerStateMachine(ChainParameters.FromGenesis(genesis));
        var state = new InMemoryState();
        state.Apply(machine.ApplyGenesis(genesis).Changes);
        var head = ChainHead.Genesis(genesis);
        for (var height = 1UL; height <= headHeight; height++)
        {
            var (next, problem) = VerifyBlock(machine, state, head, height, blocks(height));
            if (problem is not null)
            {
                return new Result(height - 1, height, problem, state, head);
            }

            head = next!;
        }

        return new Result(headHeight, null, null, state, head);
    }

    /// <summary>Every block is checked against the validators its parent's state schedules for it (changes take effect at h + 2).</summary>
    private static (ChainHead? Head, string? Problem) VerifyBlock(LedgerStateMachine machine, InMemoryState state, ChainHead head, ulong height, (Block Block, CommitCertificate? Certificate)? stored)
    {
        if (stored is not { } found)
        {
            return (null, $"block {height} is missing");
        }

        var validators = ValidatorSchedules.At(state, height);
        var (executed, problem) = Blocks.Validate(machine, state, head, found.Block);
        if (problem is not null)
        {
            return (null, $"block {height}: {problem}");
        }

        var certificateProblem = CommitCertificates.Problem(found.Certificate, machine.Parameters.ChainId, height, executed!.HeaderHash, validators);
        if (certificateProblem is not null)
        {
            return (null, $"block {height}: {certificateProblem}");
        }

        state.Apply(executed.Execution.Changes);
        return (new ChainHead(height, executed.HeaderHash, found.Block.Header.TimeMs), null);
    }
}
