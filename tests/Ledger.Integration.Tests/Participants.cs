using Ledger.Client;
using Ledger.Client.Builders;
using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Integration.Tests;

/// <summary>The signers of the stories: genesis participants of TestLedger, and enterprises registered on the way.</summary>
public static class Participants
{
    public static LedgerSigner Bureau { get; } = Signer(TestLedger.Bureau);

    public static LedgerSigner Operator { get; } = Signer(TestLedger.Operator);

    public static LedgerSigner Verifier { get; } = Signer(TestLedger.Verifier);

    public static LedgerSigner Signer(string participantId) => new(participantId, TestKeys.For(participantId));

    public static LedgerClient Client(NodeProcess node) =>
        new(new LedgerClientOptions { Endpoint = node.Url, CaFile = node.CaFile ?? "", HeightCacheDuration = TimeSpan.Zero, SubmitAndWaitTimeout = TimeSpan.FromSeconds(60) });

    public static async Task<LedgerSigner> RegisterAsync(LedgerClient client, string participantId, Role role)
    {
        var signer = Signer(participantId);
        var body = Transactions.RegisterParticipant(participantId, participantId + " Co., Ltd.", [role], signer.Key.ToPublicKey());
        await client.SubmitAndWaitAsync(body, role is Role.Verifier or Role.Expert ? Bureau : Operator);
        return signer;
    }
}
