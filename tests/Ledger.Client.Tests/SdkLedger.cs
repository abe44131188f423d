using Ledger.Core.Protocol;
using Ledger.Testing;

namespace Ledger.Client.Tests;

/// <summary>A TestLedger driven through the SDK's own signing path (Envelopes), one transaction per block.</summary>
internal sealed class SdkLedger(TestLedger ledger)
{
    public const ulong ExpiryWindowHeights = LedgerClientOptions.ExpiryWindowHeightsDefault;

    public TestLedger Ledger { get; } = ledger;

    public LedgerSigner Signer(string participantId) => new(participantId, Ledger.KeyOf(participantId));

    public Envelope Sign(TransactionBody body, LedgerSigner signer, params LedgerSigner[] coSigners) =>
        Envelopes.Sign(TestLedger.ChainId, body, signer, Envelopes.NewNonce(), Ledger.Height + ExpiryWindowHeights, coSigners);

    public Receipt Apply(Envelope envelope) => Ledger.ApplyBlock(envelope)[0];

    public Receipt Apply(TransactionBody body, LedgerSigner signer, params LedgerSigner[] coSigners) => Apply(Sign(body, signer, coSigners));

    public Receipt Commit(TransactionBody body, LedgerSigner signer, params LedgerSigner[] coSigners) =>
        TestLedger.Committed(Apply(body, signer, coSigners));

    public static string AttributeOf(Receipt receipt, string key) => receipt.Attributes.Single(a => a.Key == key).Value;
}
