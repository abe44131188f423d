using Google.Protobuf;
using Ledger.Core;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;

namespace Ledger.Fuzz;

/// <summary>
/// Target 1: envelope bytes as a client or peer may send them — junk, valid envelopes of every kind
/// damaged byte by byte, bodies damaged and then correctly signed, and envelopes with swapped,
/// missing, repeated or forged signatures, wrong chain ids, expiries and reused nonces — decoded,
/// checked and applied on the populated FuzzWorld.
/// </summary>
public sealed class EnvelopeTarget(FuzzWorld world) : IFuzzTarget
{
    public string Name => "envelopes";

    public void Run(FuzzRandom random, FuzzCounters counters)
    {
        if (random.Chance(10))
        {
            var envelopes = Enumerable.Range(0, random.Between(2, 5)).Select(_ => Generate(random)).OfType<Envelope>().ToList();
            LedgerChecks.CheckBlock(world, envelopes, counters);
            return;
        }

        if (Generate(random) is { } envelope)
        {
            LedgerChecks.CheckAndApply(world, envelope, counters, block: LedgerChecks.BlockFor(world, random));
        }
        else
        {
            counters.Count("decode failure");
        }
    }

    /// <summary>One input: an envelope, or null when its bytes do not decode (the documented decode failure).</summary>
    private Envelope? Generate(FuzzRandom random)
    {
        switch (random.Next(100))
        {
            case < 10:
                return Decode(ByteMutator.RandomBytes(random));
            case < 50:
                return Decode(ByteMutator.Mutate(random, Valid(random).ToByteArray()));
            case < 65:
                return SignedOver(random, ByteMutator.Mutate(random, Template(random).Body.ToByteArray()));
            default:
                return Structural(random, Valid(random));
        }
    }

    private static Envelope? Decode(byte[] bytes)
    {
        try
        {
            return Envelope.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    private BodyCase Template(FuzzRandom random)
    {
        var kind = random.Pick(BodyTemplates.AllKinds);
        var body = BodyTemplates.ByKind[kind](world, random);
        if (random.Chance(30))
        {
            FieldMutator.Mutate(random, (IMessage)TransactionBody.Descriptor.FindFieldByNumber((int)kind).Accessor.GetValue(body.Body), world.KnownIds);
        }

        return body;
    }

    private Envelope Valid(FuzzRandom random) => world.Sign(Template(random), random);

    /// <summary>Damaged body bytes under a signature that verifies: only the body checks stand between them and the handlers.</summary>
    private Envelope SignedOver(FuzzRandom random, byte[] body)
    {
        var signer = random.Pick(world.Participants);
        var envelope = new Envelope { ChainId = Ledger.Testing.TestLedger.ChainId, Body = ByteString.CopyFrom(body), Signer = signer, Nonce = random.NextUInt64(), ExpiryHeight = world.Block.Height + 10 };
        EnvelopeFactory.CoSign(envelope, signer, world.Ledger.KeyOf(signer));
        return envelope;
    }

    private Envelope Structural(FuzzRandom random, Envelope envelope)
    {
        var signatures = envelope.Signatures;
        switch (random.Next(12))
        {
            case 0:
                // Another transaction's signatures.
                var other = Valid(random);
                signatures.Clear();
                signatures.Add(other.Signatures);
                break;
            case 1:
                envelope.ChainId = random.Pick(FieldMutator.OddStrings);
                break;
            case 2:
                signatures.Clear();
                break;
            case 3:
                signatures.Add(signatures[random.Next(signatures.Count)].Clone());
                break;
            case 4:
                envelope.Signer = random.Pick(random.Chance(50) ? world.Participants : FieldMutator.OddStrings);
                break;
            case 5:
                envelope.ExpiryHeight = random.Pick(new[] { 0UL, 1UL, world.Block.Height - 1, world.Block.Height, world.Block.Height + 100_000, world.Block.Height + 100_001, ulong.MaxValue });
                break;
            case 6:
                // A nonce the world's setup already spent (TestLedger counts from 1).
                envelope.Nonce = (ulong)random.Between(1, 20);
                envelope.Signatures.Clear();
                EnvelopeFactory.CoSign(envelope, envelope.Signer, world.Ledger.KeyOf(envelope.Signer));
                break;
            case 7:
                while (signatures.Count <= Limits.SignaturesPerEnvelopeMax)
                {
                    EnvelopeFactory.CoSign(envelope, random.Pick(world.Participants), world.Ledger.KeyOf(random.Pick(world.Participants)));
                }

                break;
            case 8:
                var victim = signatures[random.Next(signatures.Count)];
                victim.Value = ByteString.CopyFrom(ByteMutator.Mutate(random, victim.Value.ToByteArray()));
                break;
            case 9:
                // Signed by the right name with the wrong key.
                envelope.Signatures.Clear();
                EnvelopeFactory.CoSign(envelope, envelope.Signer, world.Ledger.KeyOf(random.Pick(world.Participants)));
                break;
            case 10:
                (signatures[0], signatures[^1]) = (signatures[^1], signatures[0]);
                break;
            default:
                FieldMutator.Mutate(random, envelope, world.KnownIds);
                break;
        }

        return envelope;
    }
}

/// <summary>
/// Target 2: every TransactionBody kind in turn, from its template with random hostile field values
/// (odd ids, limits and one past them, huge numbers, undeclared enum values, long lists), correctly
/// signed, so the handlers themselves see the values.
/// </summary>
public sealed class BodyTarget(FuzzWorld world) : IFuzzTarget
{
    public string Name => "bodies";

    /// <summary>Each input takes a kind at random; one in ten is the template unchanged.</summary>
    public void Run(FuzzRandom random, FuzzCounters counters)
    {
        var block = LedgerChecks.BlockFor(world, random);
        if (random.Chance(20))
        {
            // Several in one block, so later ones meet the state the earlier ones left.
            var envelopes = Enumerable.Range(0, random.Between(2, 6)).Select(_ => world.Sign(Generate(random, counters).Body, random)).ToList();
            LedgerChecks.CheckBlock(world, envelopes, counters, block);
            return;
        }

        var (kind, body) = Generate(random, counters);
        LedgerChecks.CheckAndApply(world, world.Sign(body, random), counters, $"{kind}: ", block);
    }

    private (TransactionBody.KindOneofCase Kind, BodyCase Body) Generate(FuzzRandom random, FuzzCounters counters)
    {
        var kind = random.Pick(BodyTemplates.AllKinds);
        var body = BodyTemplates.ByKind[kind](world, random);
        if (!random.Chance(10))
        {
            // The kind's own message: mutating TransactionBody itself would mostly swap the kind (its fields are the oneof).
            var inner = (IMessage)TransactionBody.Descriptor.FindFieldByNumber((int)kind).Accessor.GetValue(body.Body);
            FieldMutator.Mutate(random, random.Chance(5) ? body.Body : inner, world.KnownIds, changes: 3);
        }

        counters.Count($"kind {kind}");
        return (kind, body);
    }
}
