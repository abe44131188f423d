using System.Security.Cryptography;
using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Core.Protocol;

namespace Ledger.Integration.Tests;

/// <summary>The common beginning of the credit stories the integration tests tell through the SDK.</summary>
public static class Stories
{
    public const uint Jan1 = 20089; // 2025-01-01

    public sealed record IssuedBatch(LedgerSigner Owner, LedgerSigner Trader, CommitResult Issuance, string BatchId);

    /// <summary>
    /// Takes an APPLIED project or scenario through the lifecycle on the test genesis's development
    /// rules (one expert opinion, no notice wait): expert-1's favourable opinion, the operator's
    /// public notice, the bureau's approval. Returns the approval.
    /// </summary>
    public static async Task<CommitResult> ApproveAsync(LedgerClient client, string subjectId)
    {
        var expert = await client.GetParticipantAsync("expert-1") is null
            ? await Participants.RegisterAsync(client, "expert-1", Role.Expert)
            : Participants.Signer("expert-1");
        await client.SubmitAndWaitAsync(Transactions.SubmitReview(subjectId, favourable: true, "boundary and baseline sound"), expert);
        await client.SubmitAndWaitAsync(Transactions.StartPublicNotice(subjectId), Participants.Operator);
        return await client.SubmitAndWaitAsync(Transactions.Approve(subjectId), Participants.Bureau);
    }

    /// <summary>
    /// Registers owner-a and trader-b, files a methodology, applies for and approves project PV-7,
    /// issues 2,500,000 g (report co-signed by the verifier) and transfers 1,000,000 g to the trader
    /// (attested by the operator).
    /// </summary>
    public static async Task<IssuedBatch> IssueAndTransferAsync(LedgerClient client)
    {
        var owner = await Participants.RegisterAsync(client, "owner-a", Role.ProjectOwner);
        var trader = await Participants.RegisterAsync(client, "trader-b", Role.Trader);
        await client.SubmitAndWaitAsync(Transactions.FileMethodology("M-PV", "Distributed photovoltaics", MethodologyLevel.Local, "1.0", ["pv"]), Participants.Bureau);
        await client.SubmitAndWaitAsync(Transactions.ApplyProject("PV-7", "Rooftop PV, Kangbashi", "M-PV"), owner);
        await ApproveAsync(client, "PV-7");
        var report = SHA256.HashData("verification report PV-7 2025-01"u8);
        var issuance = await client.SubmitAndWaitAsync(
            Transactions.IssueProjectReductions("PV-7", Jan1, Jan1 + 30, 2_500_000, report, Ledger.Testing.TestLedger.Verifier), Participants.Bureau, [Participants.Verifier]);
        var batch = issuance.Attribute("batch_id")!;
        await client.SubmitAndWaitAsync(Transactions.Transfer("trader-b", batch, 1_000_000, 45_00, "CNY"), owner, [Participants.Operator, trader]);
        return new IssuedBatch(owner, trader, issuance, batch);
    }
}
