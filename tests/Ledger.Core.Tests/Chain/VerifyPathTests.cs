using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Google.Protobuf;
using Ledger.Core.Chain;
using Ledger.Core.Crypto;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;
using Ledger.Core.State;
using Ledger.Testing;

namespace Ledger.Core.Tests.Chain;

/// <summary>
/// D41: the pieces of block validation that were made cheaper for `ledger verify` give what the old ones gave:
/// the signature cache key, the transactions root from encodings made once, the envelope checks skipped
/// inside a block already checked whole, and warming with keys read once per block; and (D45) the sign bytes and
/// ids the workers of `ledger verify` build, handed to its replay; and (D50) their signature verdicts by position,
/// which replace the verified set the replay looked each signature up in.
/// </summary>
public sealed class VerifyPathTests
{
    /// <summary>The key as it was built before D41, with a <see cref="CanonicalWriter"/>.</summary>
    private static byte[] OldSignatureCacheKey(ReadOnlySpan<byte> transactionId, Ledger.Core.Protocol.PublicKey key, ReadOnlySpan<byte> signature) =>
        new CanonicalWriter(128).Fixed(transactionId).UInt32((uint)key.Algorithm).Bytes(key.Key.Span).Bytes(signature).ToArray();

    [Property(MaxTest = 300)]
    public bool The_signature_cache_key_is_the_canonical_writers_bytes(byte[] transactionId, byte[] publicKey, byte[] signature, bool sm2)
    {
        var key = new Ledger.Core.Protocol.PublicKey { Algorithm = sm2 ? KeyAlgorithm.Sm2 : KeyAlgorithm.Ed25519, Key = ByteString.CopyFrom(publicKey) };
        return EnvelopeVerifier.SignatureCacheKey(transactionId, key, signature).AsSpan()
            .SequenceEqual(OldSignatureCacheKey(transactionId, key, signature));
    }

    [Fact]
    public void The_signature_cache_key_of_real_sizes_is_the_canonical_writers_bytes()
    {
        var key = new Ledger.Core.Protocol.PublicKey { Algorithm = KeyAlgorithm.Ed25519, Key = ByteString.CopyFrom(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()) };
        var id = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();
        var signature = Enumerable.Range(7, 64).Select(i => (byte)i).ToArray();
        Assert.Equal(OldSignatureCacheKey(id, key, signature), EnvelopeVerifier.SignatureCacheKey(id, key, signature));
    }

    [Fact]
    public void The_transactions_root_from_encodings_is_the_root_over_envelopes()
    {
        var ledger = Traders(out var batch);
        var hash = ledger.Machine.Parameters.Hash;
        var envelopes = Enumerable.Range(1, 9).Select(i => ledger.Sign("trader-a", Bodies.Transfer("trader-b", batch, (ulong)i), TestLedger.Operator, "trader-b")).ToList();
        for (var count = 0; count <= envelopes.Count; count++)
        {
            var some = envelopes.Take(count).ToList();
            var old = MerkleTree.Root(hash, some.Select(e => e.ToByteArray()).ToList());
            Assert.Equal(old, BlockHashing.TransactionsRoot(hash, some));
            Assert.Equal(old, BlockHashing.TransactionsRootOfEncoded(hash, BlockHashing.Encoded(some)));
        }
    }

    [Fact]
    public void A_block_applied_with_its_fields_checked_gives_the_same_receipts_changes_and_root()
    {
        var ledger = Traders(out var batch);
        var envelopes = new List<Envelope>
        {
            ledger.Sign("trader-a", Bodies.Transfer("trader-b", batch, 5), TestLedger.Operator, "trader-b"),
            ledger.Sign("trader-a", Bodies.Transfer("trader-b", batch, 10_000_000), TestLedger.Operator, "trader-b"), // refused: too much
            ledger.Sign("trader-b", Bodies.Transfer("trader-a", batch, 2), TestLedger.Operator), // refused: no buyer's signature
            ledger.Sign("trader-b", Bodies.Transfer("trader-a", batch, 3), TestLedger.Operator, "trader-a"),
        };
        var context = new BlockContext(ledger.Height + 1, ledger.TimeMs + 1);

        var checkedEach = ledger.Machine.ApplyBlock(ledger.Store, context, envelopes);
        var checkedWhole = ledger.Machine.ApplyBlock(ledger.Store, context, envelopes, fieldsChecked: true);

        Assert.Equal(checkedEach.Receipts, checkedWhole.Receipts);
        Assert.Contains(checkedEach.Receipts, r => r.Code != RejectionCode.Unspecified);
        Assert.Equal(checkedEach.StateRoot, checkedWhole.StateRoot);
        Assert.Equal(
            checkedEach.Changes.Entries.Select(e => (Convert.ToHexString(e.Key), e.Value is null ? null : Convert.ToHexString(e.Value))),
            checkedWhole.Changes.Entries.Select(e => (Convert.ToHexString(e.Key), e.Value is null ? null : Convert.ToHexString(e.Value))));
    }

    /// <summary>An envelope's own check of unknown fields is skipped inside a validated block: the block's check still finds them.</summary>
    [Fact]
    public void An_envelope_with_unknown_fields_still_refuses_its_block()
    {
        var ledger = Traders(out var batch);
        var validators = new ValidatorSet(ledger.Genesis.Validators);
        var head = new ChainHead(ledger.Height, new byte[32], ledger.TimeMs);
        var envelope = ledger.Sign("trader-a", Bodies.Transfer("trader-b", batch, 5), TestLedger.Operator, "trader-b");
        var lastCommit = CommitCertificates.Create(head.Height, 0, head.HeaderHash);
        foreach (var signer in TestLedger.ValidatorIds)
        {
            CommitCertificates.AddSignature(lastCommit, TestLedger.ChainId, signer, TestKeys.For(signer));
        }

        var (proposed, _) = Blocks.Propose(ledger.Machine, ledger.Store, head, [envelope], ledger.TimeMs + 1, TestLedger.ValidatorIds[0], validators, lastCommit);
        Assert.Null(Blocks.Validate(ledger.Machine, ledger.Store, head, proposed.Block, validators, validators).Problem);

        // Field 999, varint 1, in the envelope only.
        proposed.Block.Transactions[0].MergeFrom(new byte[] { 0xB8, 0x3E, 0x01 });
        var (validated, problem) = Blocks.Validate(ledger.Machine, ledger.Store, head, proposed.Block, validators, validators);
        Assert.Null(validated);
        Assert.StartsWith("the block carries fields this ledger does not know", problem);
        Assert.Equal(RejectionCode.Malformed, ledger.Machine.Check(ledger.Store, new BlockContext(ledger.Height + 1, ledger.TimeMs + 1), proposed.Block.Transactions[0]).Code);
    }

    /// <summary>Warming with each signer's key read once gives the cache exactly what warming from state gives.</summary>
    [Fact]
    public void Warming_with_keys_read_once_caches_what_warming_from_state_caches()
    {
        var ledger = Traders(out var batch);
        var hash = ledger.Machine.Parameters.Hash;
        var envelopes = new List<Envelope>
        {
            ledger.Sign("trader-a", Bodies.Transfer("trader-b", batch, 5), TestLedger.Operator, "trader-b"),
            ledger.Sign("trader-b", Bodies.Transfer("trader-a", batch, 3), TestLedger.Operator, "trader-a"),
            ledger.Sign("trader-a", Bodies.Transfer("nobody", batch, 1), TestLedger.Operator),
        };
        var bad = ledger.Sign("trader-b", Bodies.Transfer("trader-a", batch, 4), TestLedger.Operator, "trader-a");
        bad.Signatures[1].Value = ByteString.CopyFrom(new byte[64]);
        envelopes.Add(bad);

        var fromState = new KeySet();
        var fromKeys = new KeySet();
        var reads = 0;
        var participants = ledger.View;
        foreach (var envelope in envelopes)
        {
            EnvelopeVerifier.Warm(ledger.Store, hash, envelope, fromState);
            EnvelopeVerifier.Warm(id => { reads++; return participants.GetParticipant(id)?.PublicKey; }, hash, envelope, fromKeys);
        }

        Assert.Equal(3 + 3 + 2 + 2, fromState.Keys.Count);
        Assert.Equal(fromState.Keys.Order(), fromKeys.Keys.Order());
        Assert.Equal(envelopes.Sum(e => e.Signatures.Count), reads);
    }

    /// <summary>D45: what warming returns is what applying builds, and applying with it gives what applying without it gives.</summary>
    [Fact]
    public void Warming_returns_the_sign_bytes_and_id_that_applying_builds()
    {
        var ledger = Traders(out var batch);
        var hash = ledger.Machine.Parameters.Hash;
        var participants = ledger.View;
        var envelope = ledger.Sign("trader-a", Bodies.Transfer("trader-b", batch, 5), TestLedger.Operator, "trader-b");

        var prepared = EnvelopeVerifier.Warm(id => participants.GetParticipant(id)?.PublicKey, hash, envelope, new KeySet());

        Assert.NotNull(prepared);
        Assert.Equal(SignBytes.For(envelope), prepared.Value.SignBytes);
        Assert.Equal(SignBytes.TransactionId(hash, envelope), prepared.Value.TransactionId);
        Assert.Equal(prepared.Value.TransactionId, ledger.Machine.Check(ledger.Store, new BlockContext(ledger.Height + 1, ledger.TimeMs + 1), envelope).TransactionId.ToByteArray());

        var oversized = ledger.Sign("trader-a", Bodies.Transfer("trader-b", batch, 5), TestLedger.Operator, "trader-b");
        oversized.Body = ByteString.CopyFrom(new byte[Limits.EnvelopeBytesMax + 1]);
        Assert.Null(EnvelopeVerifier.Warm(id => participants.GetParticipant(id)?.PublicKey, hash, oversized, new KeySet()));
    }

    [Property(MaxTest = 60)]
    public Property A_block_applied_with_the_workers_sign_bytes_gives_the_same_receipts_changes_and_root()
    {
        var ledger = Traders(out var batch);
        var hash = ledger.Machine.Parameters.Hash;
        var participants = ledger.View;
        var pool = TransferPool(ledger, batch);
        var blocks = Gen.Choose(0, pool.Count - 1).ListOf().Select(indices => indices.Select(i => pool[i]).ToList());
        return Prop.ForAll(Arb.From(blocks), Arb.From(Gen.Elements(true, false)), (envelopes, warmFirst) =>
        {
            var cache = new KeySet();
            var prepared = new ByObject();
            foreach (var envelope in warmFirst ? envelopes : [])
            {
                var warmed = EnvelopeVerifier.Warm(id => participants.GetParticipant(id)?.PublicKey, hash, envelope, cache);
                prepared.Add(envelope, warmed is { } w ? new PreparedTransaction(w.SignBytes, w.TransactionId, envelope.Signatures.Count) : null);
            }

            var context = new BlockContext(ledger.Height + 1, ledger.TimeMs + 1);
            var built = ledger.Machine.ApplyBlock(ledger.Store, context, envelopes);
            var handed = new LedgerStateMachine(ledger.Machine.Parameters, cache, prepared).ApplyBlock(ledger.Store, context, envelopes);

            return (Same(built, handed) && prepared.Found == (warmFirst ? envelopes.Count : 0)).Label($"{envelopes.Count} envelopes, warmed first: {warmFirst}, found {prepared.Found}");
        });
    }

    /// <summary>D45: records are parsed from a span and encoded through one; the messages and bytes are the array ways'.</summary>
    [Property(MaxTest = 500)]
    public Property Records_parsed_from_a_span_and_encoded_through_one_are_what_the_array_ways_give()
    {
        var text = Gen.Elements("", "trader-a", "P-1", "北京", "x\0y", new string('z', 300));
        var participant = Gen.Zip(Gen.Zip(text, text), Gen.Zip(Gen.Choose(0, 3), Gen.Choose(0, 64))).Select(t => new ParticipantRecord
        {
            ParticipantId = t.Item1.Item1,
            Name = t.Item1.Item2,
            Roles = { Enumerable.Range(1, t.Item2.Item1).Select(r => (Role)r) },
            PublicKey = new Ledger.Core.Protocol.PublicKey { Algorithm = KeyAlgorithm.Ed25519, Key = ByteString.CopyFrom(new byte[t.Item2.Item2]) },
            Status = ParticipantStatus.Active,
            RegisteredHeight = (ulong)t.Item2.Item2 * 1_000_003,
        });
        // A valid encoding, then maybe one byte changed and maybe cut short: most of those are still messages, some are not.
        var bytes = Gen.Zip(participant, Gen.Zip(Gen.Choose(-1, 400), Gen.Zip(Gen.Choose(0, 255), Gen.Choose(0, 400)))).Select(t =>
        {
            var (at, (value, cut)) = t.Item2;
            var encoded = t.Item1.ToByteArray();
            if (at >= 0 && at < encoded.Length)
            {
                encoded[at] = (byte)value;
            }

            return encoded.Take(Math.Max(cut, encoded.Length - cut % 3)).ToArray();
        });
        return Prop.ForAll(Arb.From(participant), Arb.From(bytes), (record, data) =>
        {
            var encodedSame = LedgerState.Encode(record).AsSpan().SequenceEqual(record.ToByteArray());
            var participants = Parsed(() => ParticipantRecord.Parser.ParseFrom(data)) == Parsed(() => ParticipantRecord.Parser.ParseFrom(new ReadOnlySpan<byte>(data)));
            var strict = TransactionBody.Parser.WithDiscardUnknownFields(true);
            var bodies = Parsed(() => strict.ParseFrom(ByteString.CopyFrom(data))) == Parsed(() => strict.ParseFrom(ByteString.CopyFrom(data).Span));
            var balances = Parsed(() => BalanceRecord.Parser.ParseFrom(data)) == Parsed(() => BalanceRecord.Parser.ParseFrom(new ReadOnlySpan<byte>(data)));
            return (encodedSame && participants && bodies && balances).Label($"{data.Length} bytes: encoded {encodedSame}, participant {participants}, body {bodies}, balance {balances}");
        });
    }

    /// <summary>A parsed message as JSON with its encoding (unknown fields included), or the exception's type.</summary>
    private static string Parsed(Func<IMessage> parse)
    {
        try
        {
            var message = parse();
            return message + " " + Convert.ToHexString(message.ToByteArray());
        }
        catch (InvalidProtocolBufferException exception)
        {
            return exception.GetType().Name;
        }
    }

    /// <summary>Sign bytes, ids and verdicts by envelope object, as `ledger verify`'s replay finds its workers' (D45, D50).</summary>
    private sealed class ByObject : IPreparedTransactions
    {
        private readonly Dictionary<Envelope, PreparedTransaction> _prepared = new(ReferenceEqualityComparer.Instance);

        public int Found { get; private set; }

        public void Add(Envelope envelope, PreparedTransaction? prepared)
        {
            if (prepared is not null)
            {
                _prepared[envelope] = prepared;
            }
        }

        public bool TryGet(Envelope envelope, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PreparedTransaction? prepared)
        {
            var found = _prepared.TryGetValue(envelope, out prepared);
            Found += found ? 1 : 0;
            return found;
        }
    }

    /// <summary>A cache that holds nothing and counts what it was asked: the signatures the replay verified itself.</summary>
    private sealed class CountingNothing : ISignatureCache
    {
        public int Looked { get; private set; }

        public bool Contains(ReadOnlySpan<byte> key)
        {
            Looked++;
            return false;
        }

        public void Add(ReadOnlySpan<byte> key)
        {
        }
    }

    /// <summary>
    /// D50: a block applied with the workers' verdicts by position gives exactly what applying it with no help gives,
    /// and what the old verified set (keyed by transaction id, key and signature) gave: the same receipts, changes and
    /// root; refused transactions, a bad co-signature, a co-signature made with another participant's key and checks
    /// ahead under stale keys (the key the worker read is not the one the replay resolves) included. Every signature is
    /// either found verified ahead or verified by the replay itself.
    /// </summary>
    [Property(MaxTest = 100)]
    public Property A_block_applied_with_the_workers_verdicts_gives_what_the_verified_set_and_no_help_give()
    {
        var ledger = Traders(out var batch);
        var hash = ledger.Machine.Parameters.Hash;
        var participants = ledger.View;
        var pool = TransferPool(ledger, batch);
        // trader-b's co-signature made with trader-a's key: it verifies under trader-a's key only.
        var keyOfB = ledger.KeyOf("trader-b");
        ledger.UseKey("trader-b", ledger.KeyOf("trader-a"));
        pool.Add(ledger.Sign("trader-a", Bodies.Transfer("trader-b", batch, 6), TestLedger.Operator, "trader-b"));
        ledger.UseKey("trader-b", keyOfB);
        var keyOfA = ledger.KeyOf("trader-a").ToPublicKey();
        // How the workers read keys: as the state holds them, stale (trader-b's key is trader-a's), or none at all.
        Func<string, Ledger.Core.Protocol.PublicKey?>[] readings =
        [
            id => participants.GetParticipant(id)?.PublicKey,
            id => id == "trader-b" ? keyOfA : participants.GetParticipant(id)?.PublicKey,
            _ => null,
        ];
        var blocks = Gen.Choose(0, pool.Count - 1).ListOf().Select(indices => indices.Select(i => pool[i]).ToList());
        var ahead = Gen.Choose(0, 3).ListOf(); // per envelope: a reading above, or 3: not checked ahead
        return Prop.ForAll(Arb.From(blocks), Arb.From(ahead), (envelopes, how) =>
        {
            var oldSet = new KeySet();
            var counting = new CountingNothing();
            var prepared = new ByObject();
            for (var i = 0; i < envelopes.Count; i++)
            {
                var reading = i < how.Count ? how[i] : 0;
                if (reading < readings.Length)
                {
                    prepared.Add(envelopes[i], EnvelopeVerifier.Prepare(readings[reading], hash, envelopes[i]));
                    EnvelopeVerifier.Warm(readings[reading], hash, envelopes[i], oldSet);
                }
            }

            var context = new BlockContext(ledger.Height + 1, ledger.TimeMs + 1);
            var unaided = ledger.Machine.ApplyBlock(ledger.Store, context, envelopes);
            var withSet = new LedgerStateMachine(ledger.Machine.Parameters, oldSet).ApplyBlock(ledger.Store, context, envelopes);
            var withVerdicts = new LedgerStateMachine(ledger.Machine.Parameters, counting, prepared).ApplyBlock(ledger.Store, context, envelopes);

            var same = Same(unaided, withSet) && Same(unaided, withVerdicts);
            return same.Label($"{envelopes.Count} envelopes, ahead {string.Join(",", how)}");
        });
    }

    /// <summary>D50: the replay counts every signature it checks once: found verified ahead, or verified itself.</summary>
    [Fact]
    public void Every_signature_is_found_verified_ahead_or_verified_by_the_replay()
    {
        var ledger = Traders(out var batch);
        var hash = ledger.Machine.Parameters.Hash;
        var participants = ledger.View;
        var envelopes = new List<Envelope>
        {
            ledger.Sign("trader-a", Bodies.Transfer("trader-b", batch, 5), TestLedger.Operator, "trader-b"),
            ledger.Sign("trader-b", Bodies.Transfer("trader-a", batch, 3), TestLedger.Operator, "trader-a"),
        };
        var counting = new CountingNothing();
        var prepared = new ByObject();
        var first = EnvelopeVerifier.Prepare(id => participants.GetParticipant(id)?.PublicKey, hash, envelopes[0])!;
        prepared.Add(envelopes[0], first);

        var applied = new LedgerStateMachine(ledger.Machine.Parameters, counting, prepared).ApplyBlock(ledger.Store, new BlockContext(ledger.Height + 1, ledger.TimeMs + 1), envelopes);

        Assert.All(applied.Receipts, r => Assert.Equal(RejectionCode.Unspecified, r.Code));
        Assert.Equal(3, first.Used);
        Assert.Equal(3, counting.Looked);
    }

    /// <summary>D50: a verdict holds only for its position, a key equal in algorithm and bytes, and the signature bytes it checked.</summary>
    [Fact]
    public void A_verdict_holds_for_its_position_and_an_equal_key_only()
    {
        var key = TestKeys.For("trader-a").ToPublicKey();
        var prepared = new PreparedTransaction([1], [2], 3);
        var signature = ByteString.CopyFrom(Enumerable.Range(0, 64).Select(i => (byte)i).ToArray());
        prepared.Verified(1, key, signature);

        Assert.True(prepared.VerifiedUnder(1, key.Clone(), signature.ToByteArray()));
        Assert.False(prepared.VerifiedUnder(0, key, signature.Span));
        Assert.False(prepared.VerifiedUnder(2, key, signature.Span));
        Assert.False(prepared.VerifiedUnder(3, key, signature.Span));
        Assert.False(prepared.VerifiedUnder(-1, key, signature.Span));
        Assert.False(prepared.VerifiedUnder(1, TestKeys.For("trader-b").ToPublicKey(), signature.Span));
        Assert.False(prepared.VerifiedUnder(1, new Ledger.Core.Protocol.PublicKey { Algorithm = KeyAlgorithm.Sm2, Key = key.Key }, signature.Span));
        var altered = key.Key.ToByteArray();
        altered[^1] ^= 1;
        Assert.False(prepared.VerifiedUnder(1, new Ledger.Core.Protocol.PublicKey { Algorithm = key.Algorithm, Key = ByteString.CopyFrom(altered) }, signature.Span));
        // Other signature bytes at the same position (the envelope changed after the check) are not covered by the verdict.
        var otherSignature = signature.ToByteArray();
        otherSignature[0] ^= 1;
        Assert.False(prepared.VerifiedUnder(1, key, otherSignature));
        Assert.Equal(1, prepared.Used);
    }

    /// <summary>D50: preparing an envelope gives the sign bytes and id that applying builds, and a verdict for each signature that verifies.</summary>
    [Fact]
    public void Preparing_gives_the_sign_bytes_id_and_a_verdict_per_good_signature()
    {
        var ledger = Traders(out var batch);
        var hash = ledger.Machine.Parameters.Hash;
        var participants = ledger.View;
        var envelope = ledger.Sign("trader-a", Bodies.Transfer("trader-b", batch, 5), TestLedger.Operator, "trader-b");
        envelope.Signatures[1].Value = ByteString.CopyFrom(new byte[64]);

        var prepared = EnvelopeVerifier.Prepare(id => participants.GetParticipant(id)?.PublicKey, hash, envelope)!;

        Assert.Equal(SignBytes.For(envelope), prepared.SignBytes);
        Assert.Equal(SignBytes.TransactionId(hash, envelope), prepared.TransactionId);
        Assert.True(prepared.VerifiedUnder(0, participants.GetParticipant("trader-a")!.PublicKey, envelope.Signatures[0].Value.Span));
        Assert.False(prepared.VerifiedUnder(1, participants.GetParticipant(TestLedger.Operator)!.PublicKey, envelope.Signatures[1].Value.Span));
        Assert.True(prepared.VerifiedUnder(2, participants.GetParticipant("trader-b")!.PublicKey, envelope.Signatures[2].Value.Span));

        var oversized = ledger.Sign("trader-a", Bodies.Transfer("trader-b", batch, 5), TestLedger.Operator, "trader-b");
        oversized.Body = ByteString.CopyFrom(new byte[Limits.EnvelopeBytesMax + 1]);
        Assert.Null(EnvelopeVerifier.Prepare(id => participants.GetParticipant(id)?.PublicKey, hash, oversized));
    }

    /// <summary>D50: ids and free text are checked over spans; the verdicts are the LINQ definitions' before it.</summary>
    [Property(MaxTest = 2000)]
    public Property Ids_and_text_are_judged_as_the_linq_definitions_judged_them()
    {
        static bool OldIsIdCharacter(char c) =>
            c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or ':' or '-';
        static bool OldIsValidId(string id, int lengthMax) => id.Length is > 0 && id.Length <= lengthMax && id.All(OldIsIdCharacter);
        static bool OldIsValidText(string text, int lengthMax, bool required) =>
            (!required || text.Length > 0) && text.Length <= lengthMax && !text.Any(char.IsControl);

        // Mostly id characters, with any character at all now and then (controls, non-ASCII, surrogates).
        var character = Gen.Frequency(
            (8, Gen.Elements("abcxyzABCXYZ0189._:-".ToCharArray())),
            (1, Gen.Elements("/ \t\n\u007f\u0085\u00e9\u4e2d\ud800\u0000,;".ToCharArray())),
            (1, Gen.Choose(0, 0xFFFF).Select(c => (char)c)));
        var text = character.ArrayOf().Select(chars => new string(chars));
        return Prop.ForAll(Arb.From(text), Arb.From(Gen.Choose(0, 80)), Arb.From(Gen.Elements(true, false)), (value, lengthMax, required) =>
            (Limits.IsValidId(value, lengthMax) == OldIsValidId(value, lengthMax)
             && Limits.IsValidId(value) == OldIsValidId(value, Limits.IdLengthMax)
             && Limits.IsValidText(value, lengthMax, required) == OldIsValidText(value, lengthMax, required)).Label(value));
    }

    /// <summary>D50: sign bytes are written into one exact array; they are the bytes the canonical writer wrote before.</summary>
    [Property(MaxTest = 1000)]
    public Property Sign_bytes_are_the_canonical_writers_bytes()
    {
        var character = Gen.Frequency(
            (6, Gen.Elements("abcXYZ019._:-".ToCharArray())),
            (1, Gen.Elements("\u00e9\u4e2d\ud800\udc00\u0000\uffff".ToCharArray())),
            (1, Gen.Choose(0, 0xFFFF).Select(c => (char)c)));
        var text = character.ArrayOf().Select(chars => new string(chars));
        var envelope = Gen.Zip(Gen.Zip(text, text), Gen.Zip(Gen.Zip(ArbMap.Default.GeneratorFor<ulong>(), ArbMap.Default.GeneratorFor<ulong>()), ArbMap.Default.GeneratorFor<byte[]>()))
            .Select(t => new Envelope
            {
                ChainId = t.Item1.Item1,
                Signer = t.Item1.Item2,
                Nonce = t.Item2.Item1.Item1,
                ExpiryHeight = t.Item2.Item1.Item2,
                Body = ByteString.CopyFrom(t.Item2.Item2),
            });
        return Prop.ForAll(Arb.From(envelope), e =>
        {
            var old = new CanonicalWriter(96 + e.Body.Length)
                .Bytes(DomainTags.Transaction).String(e.ChainId).String(e.Signer).UInt64(e.Nonce).UInt64(e.ExpiryHeight).Bytes(e.Body.Span).ToArray();
            return SignBytes.For(e).AsSpan().SequenceEqual(old).Label($"{e.ChainId.Length} + {e.Signer.Length} chars, {e.Body.Length} body bytes");
        });
    }

    private static bool Same(BlockExecution a, BlockExecution b) =>
        a.Receipts.SequenceEqual(b.Receipts) && a.StateRoot.AsSpan().SequenceEqual(b.StateRoot)
        && a.Changes.Entries.Select(e => Convert.ToHexString(e.Key) + "=" + (e.Value is null ? "-" : Convert.ToHexString(e.Value)))
            .SequenceEqual(b.Changes.Entries.Select(e => Convert.ToHexString(e.Key) + "=" + (e.Value is null ? "-" : Convert.ToHexString(e.Value))));

    /// <summary>
    /// Transfers both ways, one too large, one without the buyer's signature, one with a bad co-signature; blocks
    /// drawn from them with repeats reuse a nonce.
    /// </summary>
    private static List<Envelope> TransferPool(TestLedger ledger, string batch)
    {
        var badSignature = ledger.Sign("trader-b", Bodies.Transfer("trader-a", batch, 4), TestLedger.Operator, "trader-a");
        badSignature.Signatures[1].Value = ByteString.CopyFrom(new byte[64]);
        return
        [
            ledger.Sign("trader-a", Bodies.Transfer("trader-b", batch, 5), TestLedger.Operator, "trader-b"),
            ledger.Sign("trader-a", Bodies.Transfer("trader-b", batch, 10_000_000), TestLedger.Operator, "trader-b"),
            ledger.Sign("trader-b", Bodies.Transfer("trader-a", batch, 2), TestLedger.Operator),
            ledger.Sign("trader-b", Bodies.Transfer("trader-a", batch, 3), TestLedger.Operator, "trader-a"),
            ledger.Sign("trader-a", Bodies.Transfer("trader-b", batch, 7), TestLedger.Operator, "trader-b"),
            badSignature,
        ];
    }

    private static TestLedger Traders(out string batch)
    {
        var ledger = new TestLedger();
        ledger.ApprovedProject("P-1", "trader-a");
        batch = ledger.Issue("P-1", 20089, 20100, 1_000_000);
        ledger.Register("trader-b", Role.Trader);
        return ledger;
    }

    private sealed class KeySet : ISignatureCache
    {
        public HashSet<string> Keys { get; } = [];

        public bool Contains(ReadOnlySpan<byte> key) => Keys.Contains(Convert.ToHexString(key));

        public void Add(ReadOnlySpan<byte> key) => Keys.Add(Convert.ToHexString(key));
    }
}
