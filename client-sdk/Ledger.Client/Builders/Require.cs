using Ledger.Core;
using Ledger.Core.Protocol;

namespace Ledger.Client.Builders;

/// <summary>The cheap checks of Ledger.Core's handlers, made before signing so a typo fails fast with the field name.</summary>
internal static class Require
{
    private const string IdCharacters = "A-Z a-z 0-9 . _ : -";

    public static string Id(string? value, string field, int lengthMax = Limits.IdLengthMax)
    {
        ArgumentNullException.ThrowIfNull(value, field);
        return Limits.IsValidId(value, lengthMax)
            ? value
            : throw new ArgumentException($"{field} must be 1-{lengthMax} characters of {IdCharacters}, not '{Shorten(value)}'", field);
    }

    public static string Text(string? value, string field, int lengthMax, bool required = true)
    {
        ArgumentNullException.ThrowIfNull(value, field);
        return Limits.IsValidText(value, lengthMax, required)
            ? value
            : throw new ArgumentException($"{field} must be {(required ? "1" : "0")}-{lengthMax} characters without control characters", field);
    }

    /// <summary>Pseudonymous user ids and dedup keys: exactly 32 bytes.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> value, string field) =>
        value.Length == Limits.BehaviourHashBytes ? value.ToArray() : throw new ArgumentException($"{field} must be {Limits.BehaviourHashBytes} bytes, not {value.Length}", field);

    public static ulong Positive(ulong grams, string field) =>
        grams > 0 ? grams : throw new ArgumentException($"{field} must be positive", field);

    public static IReadOnlyList<string> DistinctIds(IEnumerable<string>? ids, string field, int countMax)
    {
        var list = (ids ?? []).ToList();
        if (list.Count > countMax || list.Distinct(StringComparer.Ordinal).Count() != list.Count)
        {
            throw new ArgumentException($"{field} must be at most {countMax} distinct ids", field);
        }

        foreach (var id in list)
        {
            Id(id, field);
        }

        return list;
    }

    public static IReadOnlyList<Role> Roles(IEnumerable<Role>? roles, string field)
    {
        ArgumentNullException.ThrowIfNull(roles, field);
        var list = roles.ToList();
        var known = list.All(role => role != Role.Unspecified && Enum.IsDefined(role));
        if (list.Count is 0 || list.Count > Limits.RolesPerParticipantMax || !known || list.Distinct().Count() != list.Count)
        {
            throw new ArgumentException($"{field} must be 1-{Limits.RolesPerParticipantMax} distinct known roles", field);
        }

        return list;
    }

    public static PublicKey Key(PublicKey? key, string field)
    {
        ArgumentNullException.ThrowIfNull(key, field);
        var expectedBytes = key.Algorithm switch
        {
            KeyAlgorithm.Ed25519 => 32,
            KeyAlgorithm.Sm2 => 65,
            _ => throw new ArgumentException($"{field} has unsupported algorithm {key.Algorithm}", field),
        };
        return key.Key.Length == expectedBytes
            ? key
            : throw new ArgumentException($"{field} must be {expectedBytes} bytes for {key.Algorithm}, not {key.Key.Length}", field);
    }

    private static string Shorten(string text) => text.Length <= 70 ? text : text[..70] + "…";
}
