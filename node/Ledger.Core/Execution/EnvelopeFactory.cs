using Google.Protobuf;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Core.Execution;

/// <summary>Builds signed envelopes: what the client SDK, the CLI and the tests use to speak to the ledger.</summary>
public static class EnvelopeFactory
{
    /// <summary>
    /// An envelope signed by signer, then by each co-signer, all over the same sign bytes.
    /// For RotateKey pass the new key last, under the participant's own id.
    /// </summary>
    public static Envelope Create(
        string chainId,
        TransactionBody body,
        string signerId,
        SigningKey signerKey,
        ulong nonce,
        ulong expiryHeight,
        params (string ParticipantId, SigningKey Key)[] coSigners)
    {
        var envelope = new Envelope
        {
            ChainId = chainId,
            Body = body.ToByteString(),
            Signer = signerId,
            Nonce = nonce,
            ExpiryHeight = expiryHeight,
        };
        var signBytes = SignBytes.For(envelope);
        envelope.Signatures.Add(Sign(signerId, signerKey, signBytes));
        foreach (var (participantId, key) in coSigners)
        {
            envelope.Signatures.Add(Sign(participantId, key, signBytes));
        }

        return envelope;
    }

    /// <summary>Adds a co-signature to an envelope someone else created (e.g. the operator's attestation).</summary>
    public static void CoSign(Envelope envelope, string participantId, SigningKey key) =>
        envelope.Signatures.Add(Sign(participantId, key, SignBytes.For(envelope)));

    private static Signature Sign(string participantId, SigningKey key, byte[] signBytes) =>
        new() { Signer = participantId, Value = ByteString.CopyFrom(key.Sign(signBytes)) };
}
