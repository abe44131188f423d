using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Integration.Tests;

/// <summary>
/// D52 end to end: a transaction the node admitted and then dropped from its mempool is told REFUSED with the height it
/// was dropped at, as not final; the same transaction may still commit later, and the node then reports the commit.
/// </summary>
public sealed class DroppedRefusalTests : IAsyncLifetime
{
    private NodeProcess _node = null!;
    private LedgerClient _client = null!;

    public async Task InitializeAsync()
    {
        // A solo validator builds its block this long after the first waiting transaction: the batch and the
        // SubmitAndWait below are both in before it, whatever the machine's load.
        _node = await NodeProcess.StartAsync(blockIntervalMs: 3_000);
        _client = Participants.Client(_node);
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task A_transaction_dropped_after_admission_is_refused_as_not_final_and_its_later_commit_is_reported()
    {
        var suspension = await _client.PrepareAsync(Transactions.UpdateParticipant(TestLedger.Operator, "Operator Co.", [Role.Operator], ParticipantStatus.Suspended), Participants.Bureau);
        var registration = await _client.PrepareAsync(Transactions.RegisterParticipant("org-1", "org-1 Co., Ltd.", [Role.Trader], TestKeys.For("org-1").ToPublicKey()), Participants.Operator);

        // Both are valid at the head they are admitted on; in the block the suspension goes first (its signer's
        // transaction arrived first) and the registration, signed by the suspended operator, is left out.
        var admitted = await _client.SubmitBatchAsync([suspension, registration]);
        Assert.All(admitted, r => Assert.True(r.IsAdmitted, r.Message));
        var dropped = await _client.TrySubmitAndWaitAsync(registration);

        Assert.Equal((TransactionStatus.Refused, RejectionCode.SignerSuspended), (dropped.Status, dropped.Code));
        Assert.False(dropped.IsFinal);
        // The proposer tells its refusal before it commits the block: the suspension's commit is waited for here.
        var suspended = await _client.SubmitAndWaitAsync(suspension);
        Assert.Equal(suspended.Height - 1, dropped.DroppedAtHeight);
        var remembered = await _client.GetTransactionAsync(dropped.TransactionId);
        Assert.Equal((TransactionStatus.Refused, true, dropped.DroppedAtHeight ?? ulong.MaxValue), (remembered!.Status, remembered.HasDroppedAtHeight, remembered.DroppedAtHeight));

        // The operator is reinstated and the very same envelope commits after all: the node says so, not the old refusal.
        await _client.SubmitAndWaitAsync(Transactions.UpdateParticipant(TestLedger.Operator, "Operator Co.", [Role.Operator], ParticipantStatus.Active), Participants.Bureau);
        var committed = await _client.SubmitAndWaitAsync(registration);

        Assert.Equal(dropped.TransactionId, committed.TransactionId);
        var later = await _client.GetTransactionAsync(dropped.TransactionId);
        Assert.Equal((TransactionStatus.Committed, committed.Height), (later!.Status, later.Height));
        Assert.NotNull(await _client.GetParticipantAsync("org-1"));
    }
}
