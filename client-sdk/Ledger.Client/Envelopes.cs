using System.Buffers.Binary;
using RandomNumberGenerator = System.Security.Cryptography.RandomNumberGenerator;
using Ledger.Core;
using Ledger.Core.Crypto;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Client.Builders;

namespace Ledger.Client;

/// <summary>
/// Offline envelope signing: what <see cref="LedgerClient"/> does once it knows the chain id and
/// the height, usable without a node (air-gapped signing, tests, other transports).
/// </summary>
public static class Envelopes
{
    /// <summary>
    /// A random 64-bit nonce from the operating system's CSPRNG. Any unused value is valid
    /// (docs/DECISIONS.md D2); two equal draws for one signer are a 2^-64 event per pair.
    /// </summary>
    public static ulong NewNonce()
    {
        Span<byte> bytes = stackalloc byte[sizeof(ulong)];
        RandomNumberGenerator.Fill(bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    /// <summary>
    /// Signs body as <paramref name="signer"/>, then as each co-signer in order (operator
    /// attestation, verifier report), all over the same sign bytes.
    /// </summary>
    /// <exception cref="ArgumentException">The chain id is invalid or a co-signer repeats the signer.</exception>
    public static Envelope Sign(
        string chainId,
        TransactionBody body,
        LedgerSigner signer,
        ulong nonce,
        ulong expiryHeight,
        IReadOnlyList<LedgerSigner>? coSigners = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(signer);
        RequireChainId(chainId);
        if (body.KindCase == TransactionBody.KindOneofCase.None)
        {
            throw new ArgumentException("body has no transaction kind set", nameof(body));
        }

        var others = coSigners ?? [];
        if (others.Count + 1 > Limits.SignaturesPerEnvelopeMax)
        {
            throw new ArgumentException($"at most {Limits.SignaturesPerEnvelopeMax} signatures per envelope", nameof(coSigners));
        }

        var keys = others.Select(c => (c.ParticipantId, c.Key)).ToArray();
        return EnvelopeFactory.Create(chainId, body, signer.ParticipantId, signer.Key, nonce, expiryHeight, keys);
    }

    /// <summary>
    /// A complete RotateKey envelope: signed by <paramref name="signer"/> (the participant itself,
    /// or a BUREAU for a lost key), with the proof of possession as the last signature, made by
    /// <paramref name="newKey"/> under <paramref name="participantId"/>, as the ledger requires.
    /// </summary>
    public static Envelope RotateKey(
        string chainId,
        LedgerSigner signer,
        string participantId,
        SigningKey newKey,
        ulong nonce,
        ulong expiryHeight)
    {
        ArgumentNullException.ThrowIfNull(newKey);
        var body = Transactions.RotateKey(participantId, newKey.ToPublicKey());
        return Sign(chainId, body, signer, nonce, expiryHeight, [new LedgerSigner(participantId, newKey)]);
    }

    /// <summary>Adds a co-signature by another party to a prepared envelope (e.g. the operator's trade attestation).</summary>
    public static Envelope CoSign(Envelope envelope, LedgerSigner coSigner)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(coSigner);
        if (envelope.Signatures.Count >= Limits.SignaturesPerEnvelopeMax)
        {
            throw new ArgumentException($"the envelope already has the maximum of {Limits.SignaturesPerEnvelopeMax} signatures", nameof(envelope));
        }

        EnvelopeFactory.CoSign(envelope, coSigner.ParticipantId, coSigner.Key);
        return envelope;
    }

    /// <summary>The transaction id (lowercase hex) under the network's hash: the hash of the sign bytes, never of the signatures.</summary>
    public static string TransactionId(Envelope envelope, HashAlgorithm networkHash)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return Convert.ToHexStringLower(SignBytes.TransactionId(NetworkHashes.For(networkHash), envelope));
    }

    internal static void RequireChainId(string chainId)
    {
        ArgumentNullException.ThrowIfNull(chainId);
        if (!Limits.IsValidId(chainId, Limits.ChainIdLengthMax))
        {
            throw new ArgumentException($"chainId must be 1-{Limits.ChainIdLengthMax} characters of A-Z a-z 0-9 . _ : -", nameof(chainId));
        }
    }
}
