using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;
using Ledger.Core.State;

namespace Ledger.Core.Execution;

/// <summary>The checks every envelope passes before its handler runs: chain, expiry, encoding, signatures, nonce.</summary>
public sealed class EnvelopeVerifier
{
    private readonly ChainParameters _parameters;
    private readonly ISignatureCache? _cache;
    private readonly CanonicalBodies _canonical = new();
    private readonly ParticipantRecordCache? _participants;

    public EnvelopeVerifier(ChainParameters parameters, ISignatureCache? cache = null)
        : this(parameters, cache, null)
    {
    }

    /// <param name="participants">Signers' records parsed once per stored encoding (`ledger verify`'s single-threaded replay, D54), or null.</param>
    internal EnvelopeVerifier(ChainParameters parameters, ISignatureCache? cache, ParticipantRecordCache? participants)
    {
        _parameters = parameters;
        _cache = cache;
        _participants = participants;
    }

    public sealed record Result(Outcome Outcome, TransactionBody? Body, ParticipantRecord? Signer, IReadOnlyList<ParticipantRecord> CoSigners);

    public Result Verify(LedgerState state, BlockContext block, Envelope envelope, byte[] transactionId) =>
        Verify(state, block, envelope, SignBytes.For(envelope), transactionId);

    /// <param name="signBytes"><see cref="SignBytes.For"/> of envelope, when the caller has built them already.</param>
    /// <param name="fieldsChecked">The caller checked that envelope carries no unknown field (a block validated whole).</param>
    /// <param name="prepared">What a check ahead found for envelope (its sign bytes are signBytes), or null.</param>
    public Result Verify(LedgerState state, BlockContext block, Envelope envelope, byte[] signBytes, byte[] transactionId, bool fieldsChecked = false, PreparedTransaction? prepared = null)
    {
        if (CheckFrame(block, envelope, fieldsChecked) is { } badFrame)
        {
            return Refused(badFrame);
        }

        if (ParseBody(envelope.Body, transactionId) is not { } body)
        {
            return Refused(Outcome.Reject(RejectionCode.Malformed, "body is not a canonically encoded TransactionBody of a known kind"));
        }

        // Verdicts count only over the very sign bytes they were checked on.
        var signed = new SignedMessage(signBytes, transactionId, prepared is { } ahead && ReferenceEquals(ahead.SignBytes, signBytes) ? ahead : null);
        if (CheckSignatures(state, envelope, body, signed, out var signers) is { } badSignature)
        {
            return Refused(badSignature);
        }

        if (state.GetNonceUse(envelope.Signer, envelope.Nonce) is { } used)
        {
            return Refused(Outcome.Reject(RejectionCode.NonceReused, $"nonce {envelope.Nonce} of {envelope.Signer} was used by transaction {Convert.ToHexStringLower(used.TransactionId.Span)} at height {used.Height}"));
        }

        return new Result(Outcome.Committed(), body, signers[0], signers.GetRange(1, signers.Count - 1));
    }

    private Outcome? CheckFrame(BlockContext block, Envelope envelope, bool fieldsChecked)
    {
        var size = envelope.CalculateSize();
        if (size > Limits.EnvelopeBytesMax)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"the envelope is over {Limits.EnvelopeBytesMax} bytes");
        }

        if (!fieldsChecked && HasUnknownFields(envelope, size))
        {
            return Outcome.Reject(RejectionCode.Malformed, "the envelope carries fields this ledger does not know");
        }

        if (envelope.ChainId != _parameters.ChainId)
        {
            return Outcome.Reject(RejectionCode.WrongChain, $"the envelope is for chain '{Truncate(envelope.ChainId)}', this is '{_parameters.ChainId}'");
        }

        if (block.Height > envelope.ExpiryHeight)
        {
            return Outcome.Reject(RejectionCode.Expired, $"the envelope expired at height {envelope.ExpiryHeight}; this is height {block.Height}");
        }

        if (envelope.ExpiryHeight - block.Height > Limits.ExpiryHeightsAheadMax)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"expiry_height may be at most {Limits.ExpiryHeightsAheadMax} heights ahead");
        }

        if (!Limits.IsValidId(envelope.Signer))
        {
            return Outcome.Reject(RejectionCode.Malformed, "signer must be a participant id");
        }

        if (envelope.Signatures.Count == 0 || envelope.Signatures[0].Signer != envelope.Signer)
        {
            return Outcome.Reject(RejectionCode.MissingSignature, "the first signature must be the signer's");
        }

        return envelope.Signatures.Count > Limits.SignaturesPerEnvelopeMax
            ? Outcome.Reject(RejectionCode.InvalidField, $"at most {Limits.SignaturesPerEnvelopeMax} signatures per envelope")
            : null;
    }

    /// <summary>
    /// Every signature must verify under its signer's current key, and every signer must be active.
    /// RotateKey's last signature is the proof of possession of the new key instead.
    /// </summary>
    private Outcome? CheckSignatures(LedgerState state, Envelope envelope, TransactionBody body, SignedMessage signBytes, out List<ParticipantRecord> signers)
    {
        signers = [];
        var signatures = envelope.Signatures;
        var rotation = body.KindCase == TransactionBody.KindOneofCase.RotateKey ? body.RotateKey : null;
        var participantSignatures = rotation is null ? signatures.Count : signatures.Count - 1;
        if (rotation is not null && CheckPossession(rotation, signatures, signBytes) is { } noPossession)
        {
            return noPossession;
        }

        for (var i = 0; i < participantSignatures; i++)
        {
            if (CheckSignature(state, signatures[i], i, signBytes, signers) is { } bad)
            {
                return bad;
            }
        }

        return null;
    }

    private Outcome? CheckSignature(LedgerState state, Signature signature, int index, SignedMessage signBytes, List<ParticipantRecord> signers)
    {
        if (SignedBefore(signers, signature.Signer))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"{Truncate(signature.Signer)} signed twice");
        }

        var participant = !Limits.IsValidId(signature.Signer) ? null
            : _participants is { } participants ? participants.Get(state, signature.Signer) : state.GetParticipant(signature.Signer);
        if (participant is null)
        {
            return Outcome.Reject(RejectionCode.UnknownSigner, $"signer {Truncate(signature.Signer)} is not registered");
        }

        if (!Verified(participant.PublicKey, signBytes, index, signature.Value.Span))
        {
            return Outcome.Reject(RejectionCode.BadSignature, $"the signature of {participant.ParticipantId} does not verify under its current key");
        }

        if (participant.Status != ParticipantStatus.Active)
        {
            return Outcome.Reject(RejectionCode.SignerSuspended, $"{participant.ParticipantId} is suspended");
        }

        signers.Add(participant);
        return null;
    }

    /// <summary>Whether signer is among signers (a loop: no closure for each signature).</summary>
    private static bool SignedBefore(List<ParticipantRecord> signers, string signer)
    {
        foreach (var earlier in signers)
        {
            if (earlier.ParticipantId == signer)
            {
                return true;
            }
        }

        return false;
    }

    private Outcome? CheckPossession(RotateKey rotation, IList<Signature> signatures, SignedMessage signBytes)
    {
        var proof = signatures[^1];
        if (signatures.Count < 2 || proof.Signer != rotation.ParticipantId)
        {
            return Outcome.Reject(RejectionCode.MissingSignature, "a key rotation needs a last signature by the participant made with the new key");
        }

        return rotation.NewPublicKey is not null && Verified(rotation.NewPublicKey, signBytes, signatures.Count - 1, proof.Value.Span)
            ? null
            : Outcome.Reject(RejectionCode.BadSignature, "the proof-of-possession signature does not verify under the new key");
    }

    private static readonly MessageParser<TransactionBody> StrictParser = TransactionBody.Parser.WithDiscardUnknownFields(true);

    private readonly record struct SignedMessage(byte[] Bytes, byte[] TransactionId, PreparedTransaction? Prepared);

    /// <summary>What a signature cache holds for one verified (transaction, key, signature).</summary>
    /// <remarks>
    /// transaction id ‖ algorithm ‖ length-prefixed key ‖ length-prefixed signature, as
    /// <see cref="CanonicalWriter"/> writes them, into one array of the exact size (built for every signature twice
    /// by `ledger verify`: once by the worker that verifies it, once by the replay that looks it up).
    /// </remarks>
    public static byte[] SignatureCacheKey(ReadOnlySpan<byte> transactionId, PublicKey key, ReadOnlySpan<byte> signature)
    {
        var bytes = new byte[SignatureCacheKeyBytes(transactionId, key, signature)];
        WriteSignatureCacheKey(bytes, transactionId, key, signature);
        return bytes;
    }

    /// <summary>The length of <see cref="SignatureCacheKey"/>.</summary>
    private static int SignatureCacheKeyBytes(ReadOnlySpan<byte> transactionId, PublicKey key, ReadOnlySpan<byte> signature) =>
        transactionId.Length + sizeof(uint) + sizeof(uint) + key.Key.Length + sizeof(uint) + signature.Length;

    /// <summary>Cache keys up to this long are built on the stack to be looked up (an Ed25519 one is 140 bytes): only a key added is copied.</summary>
    private const int SignatureCacheKeyStackBytesMax = 512;

    /// <summary><see cref="SignatureCacheKey"/> into bytes, which is exactly <see cref="SignatureCacheKeyBytes"/> long.</summary>
    private static void WriteSignatureCacheKey(Span<byte> bytes, ReadOnlySpan<byte> transactionId, PublicKey key, ReadOnlySpan<byte> signature)
    {
        var publicKey = key.Key.Span;
        var rest = bytes;
        transactionId.CopyTo(rest);
        rest = rest[transactionId.Length..];
        BinaryPrimitives.WriteUInt32BigEndian(rest, (uint)key.Algorithm);
        BinaryPrimitives.WriteUInt32BigEndian(rest[sizeof(uint)..], checked((uint)publicKey.Length));
        rest = rest[(2 * sizeof(uint))..];
        publicKey.CopyTo(rest);
        rest = rest[publicKey.Length..];
        BinaryPrimitives.WriteUInt32BigEndian(rest, checked((uint)signature.Length));
        signature.CopyTo(rest[sizeof(uint)..]);
    }

    /// <summary>
    /// Verifies the participant signatures of an envelope under the keys state holds now and puts those
    /// that verify into cache, so the sequential apply that follows finds them done. Callers run this in
    /// parallel over a block's envelopes; it only reads state. A key rotated inside the block simply misses.
    /// </summary>
    public static void Warm(IStateView state, INetworkHash hash, Envelope envelope, ISignatureCache cache)
    {
        var participants = new LedgerState(new StateOverlay(state));
        Warm(id => participants.GetParticipant(id)?.PublicKey, hash, envelope, cache);
    }

    /// <summary>
    /// <see cref="Warm(IStateView, INetworkHash, Envelope, ISignatureCache)"/> with each signer's key from keys
    /// (the registered participant's public key as state holds it, null when it is not registered), for a caller
    /// that reads each key once for many envelopes.
    /// </summary>
    /// <returns>The envelope's sign bytes and transaction id, or null when it is over the limits (and nothing was checked).</returns>
    public static (byte[] SignBytes, byte[] TransactionId)? Warm(Func<string, PublicKey?> keys, INetworkHash hash, Envelope envelope, ISignatureCache cache)
    {
        // Over the limits it is refused before any signature is looked at; warming it must not cost more.
        if (envelope.Signatures.Count > Limits.SignaturesPerEnvelopeMax || envelope.CalculateSize() > Limits.EnvelopeBytesMax)
        {
            return null;
        }

        var signBytes = SignBytes.For(envelope);
        var transactionId = hash.Hash(signBytes);
        foreach (var signature in envelope.Signatures)
        {
            if (Limits.IsValidId(signature.Signer) && keys(signature.Signer) is { } key)
            {
                // A signature verified before (at admission, say) is not verified again.
                VerifiedOnce(cache, key, signBytes, transactionId, signature.Value.Span);
            }
        }

        return (signBytes, transactionId);
    }

    /// <summary>
    /// Verifies, or finds that this signature (the index-th of the envelope whose sign bytes message holds) verified
    /// ahead under an equal key, or that exactly this (transaction, key, signature) verified before.
    /// </summary>
    private bool Verified(PublicKey key, SignedMessage message, int index, ReadOnlySpan<byte> signature)
    {
        if (message.Prepared is { } prepared && prepared.VerifiedUnder(index, key, signature))
        {
            return true;
        }

        if (_cache is null)
        {
            return SignatureSuites.Verify(key, message.Bytes, signature);
        }

        return VerifiedOnce(_cache, key, message.Bytes, message.TransactionId, signature);
    }

    /// <summary>
    /// Verifies the signatures of an envelope under the keys keys gives now (as <see cref="Warm(Func{string, PublicKey?}, INetworkHash, Envelope, ISignatureCache)"/>)
    /// and records each verdict by the signature's position, for the replay of `ledger verify` (D50): no cache key is
    /// built, hashed or stored, and the replay asks only "did signature i verify under the key I resolved?".
    /// </summary>
    /// <returns>Its sign bytes, id and verdicts, or null when it is over the limits (and nothing was checked).</returns>
    public static PreparedTransaction? Prepare(Func<string, PublicKey?> keys, INetworkHash hash, Envelope envelope)
    {
        // Over the limits it is refused before any signature is looked at; checking it ahead must not cost more.
        var signatures = envelope.Signatures;
        if (signatures.Count > Limits.SignaturesPerEnvelopeMax || envelope.CalculateSize() > Limits.EnvelopeBytesMax)
        {
            return null;
        }

        var signBytes = SignBytes.For(envelope);
        var prepared = new PreparedTransaction(signBytes, hash.Hash(signBytes), signatures.Count);
        for (var i = 0; i < signatures.Count; i++)
        {
            var signature = signatures[i];
            if (Limits.IsValidId(signature.Signer) && keys(signature.Signer) is { } key && SignatureSuites.Verify(key, signBytes, signature.Value.Span))
            {
                prepared.Verified(i, key, signature.Value);
            }
        }

        return prepared;
    }

    /// <summary>Found in cache, or verified now and added to it.</summary>
    private static bool VerifiedOnce(ISignatureCache cache, PublicKey key, byte[] signBytes, byte[] transactionId, ReadOnlySpan<byte> signature)
    {
        var length = SignatureCacheKeyBytes(transactionId, key, signature);
        var cacheKey = length <= SignatureCacheKeyStackBytesMax ? stackalloc byte[SignatureCacheKeyStackBytesMax] : new byte[length];
        cacheKey = cacheKey[..length];
        WriteSignatureCacheKey(cacheKey, transactionId, key, signature);
        if (cache.Contains(cacheKey))
        {
            return true;
        }

        var valid = SignatureSuites.Verify(key, signBytes, signature);
        if (valid)
        {
            cache.Add(cacheKey);
        }

        return valid;
    }

    /// <summary>Only canonical bytes are accepted (no unknown fields, fields in order), so one body has one encoding and one id.</summary>
    /// <remarks>A body found canonical under this transaction id before is not encoded again (D55): the id fixes the bytes.</remarks>
    private TransactionBody? ParseBody(ByteString bytes, byte[] transactionId)
    {
        try
        {
            var body = StrictParser.ParseFrom(bytes.Span);
            if (body.KindCase == TransactionBody.KindOneofCase.None)
            {
                return null;
            }

            if (_canonical.Contains(transactionId))
            {
                return body;
            }

            if (!EncodesAs(body, bytes.Span))
            {
                return null;
            }

            _canonical.Add(transactionId);
            return body;
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    /// <summary>Whether message's encoding is exactly bytes (as message.ToByteString().Equals(bytes), without keeping the encoding).</summary>
    private static bool EncodesAs(IMessage message, ReadOnlySpan<byte> bytes)
    {
        var size = message.CalculateSize();
        if (size != bytes.Length)
        {
            return false;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var encoded = buffer.AsSpan(0, size);
            message.WriteTo(encoded);
            return encoded.SequenceEqual(bytes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Unknown fields would be hashed into the block's transactions root by one implementation and dropped by another.</summary>
    private static bool HasUnknownFields(Envelope envelope, int size)
    {
        // Re-read without unknown fields and compare sizes; encoded into a pooled buffer rather than a new array.
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var encoded = buffer.AsSpan(0, size);
            envelope.WriteTo(encoded);
            return EnvelopeStrictParser.ParseFrom(encoded).CalculateSize() != size;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static readonly MessageParser<Envelope> EnvelopeStrictParser = Envelope.Parser.WithDiscardUnknownFields(true);

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "…";

    private static Result Refused(Outcome outcome) => new(outcome, null, null, []);
}
