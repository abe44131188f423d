using System.Text;
using Google.Protobuf;
using Ledger.Consensus;
using Ledger.Core.Protocol;

namespace Ledger.Consensus.Tests;

/// <summary>The consensus log's framing: checksummed records, and a torn last record tolerated (DESIGN §7 rule 2).</summary>
public sealed class ConsensusLogFormatTests
{
    [Fact]
    public void Crc32c_matches_the_standard_check_value()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    /// <summary>The eight-bytes-at-a-time CRC gives what the byte-at-a-time table of the polynomial gives, at every length and offset.</summary>
    [FsCheck.Xunit.Property(MaxTest = 300)]
    public bool Crc32c_equals_the_bitwise_reference(byte[] data, byte skip) =>
        Crc32C.Compute(data.AsSpan(Math.Min(skip % 8, data.Length))) == Reference(data.AsSpan(Math.Min(skip % 8, data.Length)));

    [Fact]
    public void Crc32c_of_empty_and_long_inputs_equals_the_reference()
    {
        Assert.Equal(Reference([]), Crc32C.Compute([]));
        var long_ = Enumerable.Range(0, 70_001).Select(i => (byte)(i * 31)).ToArray();
        Assert.Equal(Reference(long_), Crc32C.Compute(long_));
    }

    private static uint Reference(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }

    [Fact]
    public void Records_read_back_in_order()
    {
        var records = Records();
        var (decoded, good) = ConsensusLogFormat.Decode(Encode(records));
        Assert.Equal(records, decoded);
        Assert.Equal(Encode(records).Length, good);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(9)]
    public void A_torn_last_record_is_cut_off_and_the_rest_kept(int bytesLost)
    {
        var records = Records();
        var whole = Encode(records);
        var torn = whole[..^bytesLost];
        var (decoded, good) = ConsensusLogFormat.Decode(torn);
        Assert.Equal(records.Take(records.Count - 1), decoded);
        Assert.Equal(whole.Length - ConsensusLogFormat.Encode(records[^1]).Length, good);
    }

    [Fact]
    public void A_flipped_bit_in_the_last_record_is_detected()
    {
        var records = Records();
        var bytes = Encode(records);
        bytes[^3] ^= 0x10;
        Assert.Equal(records.Count - 1, ConsensusLogFormat.Decode(bytes).Records.Count);
    }

    private static List<ConsensusLogRecord> Records() =>
    [
        new() { EndHeight = 41 },
        new() { Own = true, Message = new ConsensusMessage { Vote = new Vote { Kind = VoteKind.Prevote, Height = 42, Round = 0, BlockHash = ByteString.CopyFrom(new byte[32]), ValidatorId = "node-0", Signature = ByteString.CopyFrom(new byte[64]) } } },
        new() { Message = new ConsensusMessage { Vote = new Vote { Kind = VoteKind.Precommit, Height = 42, Round = 1, ValidatorId = "node-1", Signature = ByteString.CopyFrom(new byte[64]) } } },
    ];

    private static byte[] Encode(IEnumerable<ConsensusLogRecord> records) => records.SelectMany(ConsensusLogFormat.Encode).ToArray();
}
