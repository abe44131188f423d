using Ledger.Node.Backup;

namespace Ledger.Node.Consensus;

/// <summary>
/// D31: a validator restored from a backup has lost its signer state and its consensus log, so it
/// may already have signed at heights above the backup. It signs nothing until the network has
/// committed a block above every height it could have signed: it block-syncs only, until its head
/// passes the highest height reported by peers holding more than 1/3 of the power (at least one of
/// them honest and among the quorum that committed whatever it last helped decide). A validator
/// signs at most at the network's head + 1; a peer that precommitted a height but has not yet seen its
/// commit reports one less, so the floor is the highest report + 2 and every height it signs afterwards
/// is new to it. The same rule as for a wiped data directory (catch up before voting), with a margin.
/// A report no chain can reach (near 2^64) is ignored and logged, never allowed to wrap the floor. A peer
/// that reports a height the network never reaches keeps this node from signing (liveness, not safety):
/// the log says so every minute, and the operator may check the peers and `ledger backup release`.
/// </summary>
public sealed partial class BftConsensus
{
    /// <summary>Heights above this (2^62) are lies: a block a millisecond would take 146 million years to get there.</summary>
    private const ulong ImplausibleHeight = 1UL << 62;

    private async Task FollowAfterRestore(CancellationToken cancellationToken)
    {
        if (RestoreGuard.BackupHeight(_chain.Store) is not { } backupHeight)
        {
            return;
        }

        _logger.LogWarning("Restored from a backup of height {BackupHeight}: following by block sync without signing until the network commits past what this validator may have signed before", backupHeight);
        var target = await SignFloor(backupHeight, cancellationToken);
        _logger.LogInformation("Peers are at height {PeerHeight} at most; signing resumes once this node reaches height {Target}", target - 2, target);
        var lastWarning = _clock.GetUtcNow();
        while (_chain.Head.Height < target)
        {
            await CatchUp(cancellationToken);
            if (_chain.Head.Height < target)
            {
                if (_clock.GetUtcNow() - lastWarning >= TimeSpan.FromMinutes(1))
                {
                    lastWarning = _clock.GetUtcNow();
                    _logger.LogWarning(
                        "Restored validator still at height {Height}, below {Target}, and not signing; if the network cannot commit without this validator, or a peer reported a height it never reaches, check the peers and run `ledger backup release` (D31)",
                        _chain.Head.Height,
                        target);
                }

                await Task.Delay(RebroadcastInterval, _clock, cancellationToken);
            }
        }

        RestoreGuard.Release(_chain.Store);
        _logger.LogInformation("Restored validator reached height {Height}, above height {Target}: signing again", _chain.Head.Height, target);
    }

    /// <summary>Two above the highest head among peers holding more than 1/3 of the power (asked until that many answer).</summary>
    private async Task<ulong> SignFloor(ulong backupHeight, CancellationToken cancellationToken)
    {
        var validators = _chain.CurrentValidators;
        while (true)
        {
            ulong power = 0;
            var highest = backupHeight;
            foreach (var peer in _network.Peers)
            {
                if (await _network.HeightOf(peer.ValidatorId, cancellationToken) is { } height && validators.Find(peer.ValidatorId) is { } validator)
                {
                    if (height > ImplausibleHeight)
                    {
                        _logger.LogWarning("Peer {Peer} reports height {Height}, which no chain reaches; its answer is ignored", peer.ValidatorId, height);
                        continue;
                    }

                    power += validator.Power;
                    highest = Math.Max(highest, height);
                }
            }

            if (power * 3 > validators.TotalPower)
            {
                return highest + 2;
            }

            await Task.Delay(RebroadcastInterval, _clock, cancellationToken);
        }
    }
}
