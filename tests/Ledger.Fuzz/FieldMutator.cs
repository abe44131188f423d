using System.Collections;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Ledger.Fuzz;

/// <summary>
/// Sets random fields of any message to hostile values by walking its descriptor, so a field added
/// to a proto is fuzzed without anyone writing a generator for it.
/// </summary>
public static class FieldMutator
{
    private const int DepthMax = 4;

    /// <summary>Odd strings: empty, limits and one past them, unicode, control characters, separators, numbers as text.</summary>
    public static readonly string[] OddStrings =
    [
        "", " ", "a", "A-1", new string('x', 64), new string('x', 65), new string('y', 128), new string('y', 129),
        new string('z', 200), new string('z', 201), new string('w', 1000), new string('w', 1001),
        "碳普惠", "鄂尔多斯-项目", "😀", "\u0000", "a\u0000b", "\u0007bell", "line\nbreak", "tab\t", "\u202Eevil",
        "../etc/passwd", "id with space", "-1", "0", "18446744073709551616", "-9223372036854775809",
        "CNY", "cny", "XXXX", "%s%n", "'; DROP TABLE", "\uFEFFbom", "ǅ", "\uD800",
    ];

    public static readonly ulong[] OddUInt64 = [0, 1, 2, 999, 1_000_000, uint.MaxValue, (ulong)uint.MaxValue + 1, 1UL << 32, (1UL << 62) - 1, 1UL << 62, (1UL << 62) + 1, 1UL << 63, ulong.MaxValue - 1, ulong.MaxValue];

    public static readonly long[] OddInt64 = [0, 1, -1, long.MinValue, long.MaxValue, long.MinValue + 1, 1_735_660_800_000, 4_102_444_800_000, -1_735_660_800_000, int.MaxValue];

    public static readonly uint[] OddUInt32 = [0, 1, 2, 7, 100, 101, 600, 601, 20_089, 20_454, 99_999, 100_000, 100_001, uint.MaxValue - 1, uint.MaxValue, int.MaxValue, 86_400_000, 86_400_001];

    public static readonly int[] OddInt32 = [0, 1, -1, -2, int.MinValue, int.MaxValue, 1000, 1001];

    /// <summary>Sets between one and changes random fields of message (recursively into sub-messages).</summary>
    public static void Mutate(FuzzRandom random, IMessage message, IReadOnlyList<string> knownIds, int changes = 3)
    {
        var count = random.Between(1, changes);
        for (var i = 0; i < count; i++)
        {
            MutateOne(random, message, knownIds, 0);
        }
    }

    private static void MutateOne(FuzzRandom random, IMessage message, IReadOnlyList<string> knownIds, int depth)
    {
        var fields = message.Descriptor.Fields.InFieldNumberOrder().ToList();
        if (fields.Count == 0)
        {
            return;
        }

        var field = random.Pick(fields);
        if (field.IsMap)
        {
            return;
        }

        if (field.IsRepeated)
        {
            MutateList(random, (IList)field.Accessor.GetValue(message), field, knownIds, depth);
            return;
        }

        if (field.FieldType == FieldType.Message)
        {
            var child = field.Accessor.GetValue(message) as IMessage;
            if (child is null || random.Chance(20))
            {
                child = NewMessage(field);
                field.Accessor.SetValue(message, child);
            }

            if (depth < DepthMax && random.Chance(80))
            {
                MutateOne(random, child, knownIds, depth + 1);
            }

            return;
        }

        field.Accessor.SetValue(message, Value(random, field, knownIds));
    }

    private static void MutateList(FuzzRandom random, IList list, FieldDescriptor field, IReadOnlyList<string> knownIds, int depth)
    {
        switch (random.Next(4))
        {
            case 0:
                list.Clear();
                break;
            case 1 when list.Count > 0:
                // Duplicate an element: repeated ids, signatures or records.
                list.Add(list[random.Next(list.Count)]);
                break;
            case 2:
                var added = random.Chance(10) ? random.Between(50, 700) : random.Between(1, 3);
                for (var i = 0; i < added; i++)
                {
                    list.Add(field.FieldType == FieldType.Message ? Filled(random, field, knownIds, depth) : Value(random, field, knownIds));
                }

                break;
            default:
                if (list.Count > 0)
                {
                    var index = random.Next(list.Count);
                    if (field.FieldType == FieldType.Message && depth < DepthMax)
                    {
                        MutateOne(random, (IMessage)list[index]!, knownIds, depth + 1);
                    }
                    else if (field.FieldType != FieldType.Message)
                    {
                        list[index] = Value(random, field, knownIds);
                    }
                }

                break;
        }
    }

    private static IMessage Filled(FuzzRandom random, FieldDescriptor field, IReadOnlyList<string> knownIds, int depth)
    {
        var message = NewMessage(field);
        if (depth < DepthMax)
        {
            for (var i = random.Next(4); i > 0; i--)
            {
                MutateOne(random, message, knownIds, depth + 1);
            }
        }

        return message;
    }

    private static IMessage NewMessage(FieldDescriptor field) => (IMessage)Activator.CreateInstance(field.MessageType.ClrType)!;

    private static object Value(FuzzRandom random, FieldDescriptor field, IReadOnlyList<string> knownIds) => field.FieldType switch
    {
        FieldType.String => random.Chance(40) && knownIds.Count > 0 ? random.Pick(knownIds) : random.Pick(OddStrings),
        FieldType.Bytes => ByteString.CopyFrom(random.Bytes(random.Pick(new[] { 0, 1, 31, 32, 33, 64, 65, random.Next(300) }))),
        FieldType.UInt64 or FieldType.Fixed64 => random.Chance(70) ? random.Pick(OddUInt64) : random.NextUInt64() >> random.Next(64),
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => random.Chance(70) ? random.Pick(OddInt64) : (long)random.NextUInt64(),
        FieldType.UInt32 or FieldType.Fixed32 => random.Chance(70) ? random.Pick(OddUInt32) : (uint)random.NextUInt64(),
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => random.Chance(70) ? random.Pick(OddInt32) : (int)random.NextUInt64(),
        FieldType.Bool => random.Chance(50),
        FieldType.Enum => EnumValue(random, field),
        FieldType.Double => random.Pick(new[] { 0d, -1d, double.NaN, double.MaxValue }),
        FieldType.Float => random.Pick(new[] { 0f, -1f, float.NaN, float.MaxValue }),
        _ => throw new NotSupportedException($"field type {field.FieldType}"),
    };

    /// <summary>A declared value, or a number the enum does not declare (what a newer or hostile client may send).</summary>
    private static object EnumValue(FuzzRandom random, FieldDescriptor field)
    {
        var values = field.EnumType.Values.ToList();
        var number = random.Chance(75) ? random.Pick(values).Number : random.Pick(new[] { -1, values.Count + 1, 99, int.MaxValue, int.MinValue });
        return Enum.ToObject(field.EnumType.ClrType, number);
    }
}
