using Ledger.Node.Backup;

namespace Ledger.Node.Consensus;

/// <summary>
/// D31: a validator restored from a backup has lost its signer state and its consensus log, so it
/// may already have signed at heights above the backup. It signs nothing until the network has
/// committed a block above every height it could have signed: it block-syncs only, until its head
/// passes the highest height reported by peers holding more than 1/3 of the power (at least one of
/// them honest and among the quorum that committed whatever it last helped decide). A validator
/// signs at most at the network's head + 1, so every height it signs afterwards is new to it. The
/// same rule as for a wiped data directory (catch up before voting), with a margin of one block.
/// </summary>
public sealed partial class BftConsensus
{
    private async Task FollowAfterRestore(CancellationToken cancellationToken)
    {
        if (RestoreGuard.BackupHeight(_chain.Store) is not { } backupHeight)
        {
            return;
        }

        _logger.LogWarning("Restored from a backup of height {BackupHeight}: following by block sync without signing until the network commits past what this validator may have signed before", backupHeight);
        var target = await SignFloor(backupHeight, cancellationToken);
        _logger.LogInformation("Peers are at height {PeerHeight}; signing resumes after this node reaches height {Target}", target - 1, target);
        while (_chain.Head.Height < target)
        {
            await CatchUp(cancellationToken);
            if (_chain.Head.Height < target)
            {
                await Task.Delay(RebroadcastInterval, _clock, cancellationToken);
            }
        }

        RestoreGuard.Release(_chain.Store);
        _logger.LogInformation("Restored validator reached height {Height}, above height {Target}: signing again", _chain.Head.Height, target);
    }

    /// <summary>One above the highest head among peers holding more than 1/3 of the power (asked until that many answer).</summary>
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
                    power += validator.Power;
                    highest = Math.Max(highest, height);
                }
            }

            if (power * 3 > validators.TotalPower)
            {
                return highest + 1;
            }

            await Task.Delay(RebroadcastInterval, _clock, cancellationToken);
        }
    }
}
