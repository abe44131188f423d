using Google.Protobuf;
using Ledger.Core.Protocol;

namespace Ledger.Core.Execution;

/// <summary>
/// What a check ahead built and found for one envelope object (`ledger verify`'s workers, D45, D50): its sign
/// bytes, its transaction id, and for each of its signatures the key under which it verified over those sign
/// bytes (none: it did not verify, or its signer had no key then), with the signature it checked. Written by one
/// worker, then read by the replay only after that worker is done with it. Bounded by the envelope's signatures.
/// Only <see cref="EnvelopeVerifier.Prepare"/> makes one, so no caller can hand the replay a verdict nobody checked.
/// </summary>
public sealed class PreparedTransaction
{
    private readonly (PublicKey Key, ByteString Signature)?[] _verifiedUnder;

    internal PreparedTransaction(byte[] signBytes, byte[] transactionId, int signatures)
    {
        Invariant.Require(signatures >= 0 && signatures <= Limits.SignaturesPerEnvelopeMax, "an envelope within the limits");
        SignBytes = signBytes;
        TransactionId = transactionId;
        _verifiedUnder = signatures == 0 ? [] : new (PublicKey, ByteString)?[signatures];
    }

    public byte[] SignBytes { get; }

    public byte[] TransactionId { get; }

    /// <summary>How many times <see cref="VerifiedUnder"/> said yes: the signatures the replay found verified ahead.</summary>
    public int Used { get; private set; }

    /// <summary>Signature index (these bytes) verified under key over <see cref="SignBytes"/>: the worker that checked it says so.</summary>
    internal void Verified(int index, PublicKey key, ByteString signature) => _verifiedUnder[index] = (key, signature);

    /// <summary>
    /// Whether signature index, with these signature bytes, verified ahead under a key equal to key (algorithm and
    /// bytes): then verifying it under key now would say yes too. A key that differs (rotated since, or never read)
    /// or other signature bytes (the envelope changed since) is a no: the caller verifies.
    /// </summary>
    public bool VerifiedUnder(int index, PublicKey key, ReadOnlySpan<byte> signature)
    {
        if (index < 0 || index >= _verifiedUnder.Length || _verifiedUnder[index] is not { } verified)
        {
            return false;
        }

        var same = verified.Key.Algorithm == key.Algorithm && verified.Key.Key.Span.SequenceEqual(key.Key.Span) && verified.Signature.Span.SequenceEqual(signature);
        Used += same ? 1 : 0;
        return same;
    }
}
