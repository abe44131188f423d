using FsCheck.Xunit;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Ledger.Core.Chain;
using Ledger.Core.Protocol;

namespace Ledger.Core.Tests.Chain;

/// <summary>
/// D54: a block's unknown fields are read from what the parser kept instead of encoding the block and parsing it again
/// strictly. Both give the same answer wherever an unknown field sits, and the walk covers every message a block holds.
/// </summary>
public sealed class UnknownFieldsTests
{
    /// <summary>The check before D54: encode, parse without unknown fields, compare sizes.</summary>
    private static bool OldHasUnknownFields(Block block)
    {
        var size = block.CalculateSize();
        var encoded = block.ToByteArray();
        return Block.Parser.WithDiscardUnknownFields(true).ParseFrom(encoded).CalculateSize() != size;
    }

    /// <summary>A block of envelopes (each with some signatures), a header and a last commit; any content will do.</summary>
    private static Block SomeBlock(int envelopes, int signatures, int votes, bool header, bool lastCommit)
    {
        var block = new Block();
        if (header)
        {
            block.Header = new BlockHeader { ChainId = "chain", Height = 7, TimeMs = 1_000, StateRoot = ByteString.CopyFrom(new byte[32]), Proposer = "v-1" };
        }

        for (var e = 0; e < envelopes; e++)
        {
            var envelope = new Envelope { ChainId = "chain", Signer = $"p-{e}", Nonce = (ulong)e, ExpiryHeight = 9, Body = ByteString.CopyFrom((byte)e, 1, 2) };
            for (var s = 0; s < signatures; s++)
            {
                envelope.Signatures.Add(new Signature { Signer = $"s-{s}", Value = ByteString.CopyFrom(new byte[64]) });
            }

            block.Transactions.Add(envelope);
        }

        if (lastCommit)
        {
            block.LastCommit = new CommitCertificate { Height = 6, BlockHash = ByteString.CopyFrom(new byte[32]) };
            for (var v = 0; v < votes; v++)
            {
                block.LastCommit.Signatures.Add(new CommitSignature { ValidatorId = $"v-{v}", Signature = ByteString.CopyFrom(new byte[64]) });
            }
        }

        return block;
    }

    /// <summary>Every message of the block, in a fixed order, so a number picks one.</summary>
    private static List<IMessage> Messages(Block block)
    {
        var messages = new List<IMessage> { block };
        if (block.Header is { } header)
        {
            messages.Add(header);
        }

        foreach (var envelope in block.Transactions)
        {
            messages.Add(envelope);
            messages.AddRange(envelope.Signatures);
        }

        if (block.LastCommit is { } commit)
        {
            messages.Add(commit);
            messages.AddRange(commit.Signatures);
        }

        return messages;
    }

    /// <summary>
    /// One field none of these messages knows: a number above 9 (the highest any of them uses), or a known number with a
    /// wire type none of them uses for it (fixed32, fixed64), which the parser keeps as unknown too.
    /// </summary>
    private static byte[] UnknownField(int number, int wireChoice, byte[] payload)
    {
        var wire = (wireChoice & 3) switch { 0 => WireFormat.WireType.Varint, 1 => WireFormat.WireType.Fixed64, 2 => WireFormat.WireType.LengthDelimited, _ => WireFormat.WireType.Fixed32 };
        var field = wire is WireFormat.WireType.Fixed32 or WireFormat.WireType.Fixed64 ? 1 + (Math.Abs(number % 9)) : 10 + Math.Abs(number % 100_000);
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(field, wire);
        switch (wire)
        {
            case WireFormat.WireType.Varint:
                output.WriteUInt64((ulong)payload.Length * 1_000_003);
                break;
            case WireFormat.WireType.Fixed64:
                output.WriteFixed64((ulong)payload.Length);
                break;
            case WireFormat.WireType.Fixed32:
                output.WriteFixed32((uint)payload.Length);
                break;
            default:
                output.WriteBytes(ByteString.CopyFrom(payload));
                break;
        }

        output.Flush();
        return stream.ToArray();
    }

    [Property(MaxTest = 400)]
    public bool The_walk_finds_what_the_strict_reparse_finds(byte envelopes, byte signatures, byte votes, bool header, bool lastCommit, int where, int number, int wire, byte[] payload, bool inject, bool roundTrip)
    {
        var block = SomeBlock(envelopes % 5, signatures % 4, votes % 4, header, lastCommit);
        if (inject)
        {
            var messages = Messages(block);
            messages[Math.Abs(where % messages.Count)].MergeFrom(UnknownField(number, wire, payload ?? []));
        }

        if (roundTrip)
        {
            // The verifier's blocks come from bytes: parsed again, the unknown field is kept where it was.
            block = Block.Parser.ParseFrom(block.ToByteArray());
        }

        var old = OldHasUnknownFields(block);
        return old == Blocks.HasUnknownFields(block) && old == inject;
    }

    [Fact]
    public void An_unknown_field_in_each_kind_of_message_is_found()
    {
        var block = SomeBlock(2, 2, 2, header: true, lastCommit: true);
        var count = Messages(block).Count;
        for (var i = 0; i < count; i++)
        {
            var copy = Block.Parser.ParseFrom(block.ToByteArray());
            Assert.False(Blocks.HasUnknownFields(copy));
            Messages(copy)[i].MergeFrom(new byte[] { 0xB8, 0x3E, 0x01 }); // field 999, varint 1
            Assert.True(OldHasUnknownFields(copy));
            Assert.True(Blocks.HasUnknownFields(copy), $"message {i} ({Messages(copy)[i].Descriptor.Name})");
        }
    }

    /// <summary>A new message field anywhere in a block must be walked too: this lists what the walk covers.</summary>
    [Fact]
    public void The_walk_covers_every_message_a_block_can_hold()
    {
        var reachable = new SortedSet<string>(StringComparer.Ordinal);
        void Visit(MessageDescriptor descriptor)
        {
            if (reachable.Add(descriptor.FullName))
            {
                foreach (var field in descriptor.Fields.InDeclarationOrder().Where(f => f.FieldType is FieldType.Message or FieldType.Group))
                {
                    Visit(field.MessageType);
                }
            }
        }

        Visit(Block.Descriptor);
        Assert.Equal(
            ["ledger.v1.Block", "ledger.v1.BlockHeader", "ledger.v1.CommitCertificate", "ledger.v1.CommitSignature", "ledger.v1.Envelope", "ledger.v1.Signature"],
            reachable);
        // And the message fields the walk follows, by name: header, transactions, last_commit, and both signature lists.
        Assert.Equal(
            ["ledger.v1.Block.header", "ledger.v1.Block.last_commit", "ledger.v1.Block.transactions", "ledger.v1.CommitCertificate.signatures", "ledger.v1.Envelope.signatures"],
            reachable.SelectMany(name => Descriptors(name)).Where(f => f.FieldType == FieldType.Message).Select(f => f.FullName).Order(StringComparer.Ordinal));
    }

    private static IEnumerable<FieldDescriptor> Descriptors(string fullName) =>
        new[] { Block.Descriptor, BlockHeader.Descriptor, CommitCertificate.Descriptor, CommitSignature.Descriptor, Envelope.Descriptor, Signature.Descriptor }
            .Single(d => d.FullName == fullName).Fields.InDeclarationOrder();
}
