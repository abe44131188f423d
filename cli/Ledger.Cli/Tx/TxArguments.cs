using System.Globalization;
using Google.Protobuf.Reflection;
using Ledger.Client;
using Ledger.Client.Keys;
using Ledger.Core.Crypto;
using Ledger.Core.Issuance;
using Ledger.Core.Protocol;

namespace Ledger.Cli.Tx;

/// <summary>
/// A mistake in what the user typed or pointed to (a missing file, a bad PEM, an unknown role): exit 2
/// with the message, never a stack trace.
/// </summary>
internal sealed class TxUsageException(string message) : Exception(message);

/// <summary>
/// The text forms `ledger tx` accepts, each turned into the value the SDK's builders take. Every
/// failure is a <see cref="TxUsageException"/> naming the option and the offending text.
/// </summary>
internal static class TxArguments
{
    public const decimal GramsPerTonne = 1_000_000m;

    /// <summary>A report is hashed whole in memory; a verification report larger than this is not one.</summary>
    public const long ReportBytesMax = 256L * 1024 * 1024;

    /// <summary>
    /// A proto enum value by its proto name, case-insensitive, with or without the type prefix and
    /// with '-' for '_': "trader", "ROLE_TRADER" and "project-owner" all work for Role.
    /// </summary>
    public static T Enum<T>(string text, string option)
        where T : struct, System.Enum
    {
        var descriptor = EnumDescriptorOf<T>();
        var prefix = EnumPrefix(descriptor);
        var name = text.Trim().ToUpperInvariant().Replace('-', '_');
        var value = descriptor.FindValueByName(name.StartsWith(prefix, StringComparison.Ordinal) ? name : prefix + name);
        if (value is null || value.Number == 0)
        {
            throw new TxUsageException($"{option} must be one of {string.Join(", ", EnumNames(descriptor))}, not '{text}'");
        }

        return (T)(object)value.Number;
    }

    /// <summary>The proto name of an enum value (ROLE_TRADER), or its number when the proto does not know it.</summary>
    public static string EnumName(EnumDescriptor descriptor, int number) =>
        descriptor.FindValueByNumber(number)?.Name ?? number.ToString(CultureInfo.InvariantCulture);

    /// <summary>Accepted names of an enum, without the prefix and the UNSPECIFIED value, for messages and help.</summary>
    public static IEnumerable<string> EnumNames(EnumDescriptor descriptor)
    {
        var prefix = EnumPrefix(descriptor);
        return descriptor.Values.Where(v => v.Number != 0).Select(v => v.Name[prefix.Length..]);
    }

    public static EnumDescriptor EnumDescriptorOf<T>()
        where T : struct, System.Enum =>
        TypesReflection.Descriptor.EnumTypes.Single(e => e.ClrType == typeof(T));

    /// <summary>Grams from exactly one of --grams N or --tonnes T (tCO2e, at most 6 decimals: a whole number of grams).</summary>
    public static ulong Grams(ulong? grams, string? tonnes)
    {
        if (grams.HasValue == (tonnes is not null))
        {
            throw new TxUsageException("give exactly one of --grams N or --tonnes T");
        }

        if (grams.HasValue)
        {
            return grams.Value;
        }

        if (!decimal.TryParse(tonnes, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            throw new TxUsageException($"--tonnes must be a decimal number of tCO2e such as 2.5, not '{tonnes}'");
        }

        var exact = value * GramsPerTonne;
        if (exact != decimal.Truncate(exact) || exact > ulong.MaxValue)
        {
            throw new TxUsageException($"--tonnes {tonnes} is not a whole number of grams (at most 6 decimals, at most {ulong.MaxValue / 1_000_000} t)");
        }

        return (ulong)exact;
    }

    /// <summary>A calendar date as yyyy-MM-dd.</summary>
    public static DateOnly Date(string text, string option) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw new TxUsageException($"{option} must be a date as yyyy-MM-dd, not '{text}'");

    /// <summary>The report hash: exactly one of --report-hash HEX, or --report FILE hashed with the network hash.</summary>
    public static byte[] ReportHash(string? hex, FileInfo? report, HashAlgorithm networkHash)
    {
        if ((hex is null) == (report is null))
        {
            throw new TxUsageException("give exactly one of --report-hash HEX or --report FILE");
        }

        if (hex is not null)
        {
            return Hex(hex, "--report-hash");
        }

        if (networkHash is not (HashAlgorithm.Sha256 or HashAlgorithm.Sm3))
        {
            throw new TxUsageException("--report FILE is hashed with the network's hash: give --node URL, or --hash-algorithm sha256|sm3 when preparing offline");
        }

        return NetworkHashes.For(networkHash).Hash(ReadSmall(report!, "--report", ReportBytesMax));
    }

    /// <summary>A file hashed with the network hash (--evidence FILE).</summary>
    public static byte[] FileHash(FileInfo file, string option, HashAlgorithm networkHash) =>
        networkHash is HashAlgorithm.Sha256 or HashAlgorithm.Sm3
            ? NetworkHashes.For(networkHash).Hash(ReadSmall(file, option, ReportBytesMax))
            : throw new TxUsageException($"{option} FILE is hashed with the network's hash: give --node URL, or --hash-algorithm sha256|sm3 when preparing offline");

    /// <summary>--deduct ACCOUNT=GRAMS, or USER_HEX@COMPANY=GRAMS for a scenario user's custody balance.</summary>
    public static Deduction Deduction(string text)
    {
        var parts = text.Split('=', 2, StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || parts[0].Length == 0 || !ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var grams))
        {
            throw new TxUsageException($"--deduct must be ACCOUNT=GRAMS (e.g. trader-1=500000) or USER_HEX@COMPANY=GRAMS, not '{text}'");
        }

        var at = parts[0].IndexOf('@', StringComparison.Ordinal);
        return at < 0
            ? new Deduction { Account = parts[0], AmountGrams = grams }
            : new Deduction { Account = parts[0][(at + 1)..], CustodyUserId = Google.Protobuf.ByteString.CopyFrom(Hex(parts[0][..at], "--deduct")), AmountGrams = grams };
    }

    /// <summary>A point in time: ISO 8601 with an offset (2025-06-30T15:00:00+08:00), or Unix milliseconds.</summary>
    public static DateTimeOffset Time(string text, string option)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }

        return DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm:ss.FFFzzz", "yyyy-MM-dd'T'HH:mm:ss'Z'"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new TxUsageException($"{option} must be ISO 8601 with an offset (2025-06-30T15:00:00+08:00) or Unix milliseconds, not '{Shorten(text)}'");
    }

    /// <summary>GOODS or SERVICES (case-insensitive, with or without the MALL_OFFER_KIND_ prefix).</summary>
    public static MallOfferKind MallOfferKind(string text)
    {
        var descriptor = TransactionsReflection.Descriptor.EnumTypes.Single(e => e.ClrType == typeof(MallOfferKind));
        var name = text.Trim().ToUpperInvariant().Replace('-', '_');
        var value = descriptor.FindValueByName(name.StartsWith("MALL_OFFER_KIND_", StringComparison.Ordinal) ? name : "MALL_OFFER_KIND_" + name);
        return value is null || value.Number == 0
            ? throw new TxUsageException($"--kind must be GOODS or SERVICES, not '{Shorten(text)}'")
            : (MallOfferKind)value.Number;
    }

    /// <summary>The voucher hash: exactly one of --voucher CODE (hashed with the network hash) or --voucher-hash HEX.</summary>
    public static byte[] VoucherHash(string? code, string? hex, HashAlgorithm networkHash)
    {
        if ((code is null) == (hex is null))
        {
            throw new TxUsageException("give exactly one of --voucher CODE or --voucher-hash HEX");
        }

        if (hex is not null)
        {
            return Hex(hex, "--voucher-hash");
        }

        return networkHash is HashAlgorithm.Sha256 or HashAlgorithm.Sm3
            ? NetworkHashes.For(networkHash).Hash(System.Text.Encoding.UTF8.GetBytes(code!))
            : throw new TxUsageException("--voucher CODE is hashed with the network's hash: give --node URL, or --hash-algorithm sha256|sm3 when preparing offline");
    }

    public static byte[] Hex(string text, string option)
    {
        try
        {
            return Convert.FromHexString(text);
        }
        catch (FormatException)
        {
            throw new TxUsageException($"{option} must be hexadecimal, not '{Shorten(text)}'");
        }
    }

    /// <summary>
    /// A public key: a PEM file (a public key as `openssl pkey -pubout` writes it, or a private key
    /// whose public half is taken), or base64 of the raw key (32 bytes Ed25519, 65 bytes SM2 04‖X‖Y).
    /// </summary>
    public static PublicKey PublicKey(string text, string option)
    {
        if (File.Exists(text))
        {
            return PublicKeyFromFile(text, option);
        }

        var buffer = new byte[text.Length];
        if (!Convert.TryFromBase64String(text, buffer, out var length))
        {
            throw new TxUsageException($"{option}: '{Shorten(text)}' is neither an existing key file nor a base64 public key");
        }

        var algorithm = length switch
        {
            32 => KeyAlgorithm.Ed25519,
            65 => KeyAlgorithm.Sm2,
            _ => throw new TxUsageException($"{option}: a base64 public key is 32 bytes (Ed25519) or 65 bytes (SM2), not {length}"),
        };
        if (!SignatureSuites.Find(algorithm)!.IsValidPublicKey(buffer.AsSpan(0, length)))
        {
            throw new TxUsageException($"{option}: the {length} bytes are not a valid {algorithm} public key");
        }

        return new PublicKey { Algorithm = algorithm, Key = Google.Protobuf.ByteString.CopyFrom(buffer, 0, length) };
    }

    /// <summary>A PKCS#8 PEM private key file, as `ledger keys new` or `openssl genpkey` writes it.</summary>
    public static SigningKey PrivateKey(string path, string option)
    {
        try
        {
            return KeyFile.Load(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or ArgumentException)
        {
            throw new TxUsageException($"{option} {path}: {exception.Message}");
        }
    }

    /// <summary>A signer: --as ID with the key in --key FILE.</summary>
    public static LedgerSigner Signer(string participantId, SigningKey key, string option)
    {
        try
        {
            return new LedgerSigner(participantId, key);
        }
        catch (ArgumentException)
        {
            throw new TxUsageException($"{option} must be a participant id (1-64 characters of A-Z a-z 0-9 . _ : -), not '{Shorten(participantId)}'");
        }
    }

    /// <summary>--cosign ID=KEYFILE: a co-signer whose key file this operator holds (devnet, or one operator in two roles).</summary>
    public static LedgerSigner CoSigner(string text, List<SigningKey> loaded)
    {
        var separator = text.IndexOf('=', StringComparison.Ordinal);
        if (separator <= 0 || separator == text.Length - 1)
        {
            throw new TxUsageException($"--cosign must be ID=KEYFILE, not '{Shorten(text)}'");
        }

        var key = PrivateKey(text[(separator + 1)..], "--cosign");
        loaded.Add(key);
        return Signer(text[..separator], key, "--cosign");
    }

    /// <summary>
    /// --validator ID=KEY:POWER, KEY a key file or base64 public key (see <see cref="PublicKey"/>);
    /// power 0 removes the validator, and then KEY may be empty (ID=:0).
    /// </summary>
    public static (string ValidatorId, PublicKey? PublicKey, ulong Power) ValidatorUpdate(string text)
    {
        // Ids have no '=' and powers no ':', while ids, paths and keys may hold the other one.
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var colon = text.LastIndexOf(':');
        if (equals <= 0 || colon < equals)
        {
            throw new TxUsageException($"--validator must be ID=KEY:POWER (KEY a key file or base64; ID=:0 removes), not '{Shorten(text)}'");
        }

        var powerText = text[(colon + 1)..];
        if (!ulong.TryParse(powerText, NumberStyles.None, CultureInfo.InvariantCulture, out var power))
        {
            throw new TxUsageException($"--validator {text[..equals]}: the power must be a whole number, not '{powerText}'");
        }

        var keyText = text[(equals + 1)..colon];
        if (keyText.Length == 0)
        {
            return power == 0
                ? (text[..equals], null, 0)
                : throw new TxUsageException($"--validator {text[..equals]}: a key is needed unless the power is 0");
        }

        return (text[..equals], PublicKey(keyText, "--validator " + text[..equals]), power);
    }

    /// <summary>A file's bytes, refused above lengthMax; failures name the option and the file.</summary>
    public static byte[] ReadSmall(FileInfo file, string option, long lengthMax)
    {
        try
        {
            return file.Length <= lengthMax
                ? File.ReadAllBytes(file.FullName)
                : throw new TxUsageException($"{option} {file.FullName} is {file.Length} bytes; at most {lengthMax} are read");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new TxUsageException($"{option} {file.FullName}: {exception.Message}");
        }
    }

    /// <summary>Day number (from 1970-01-01) as yyyy-MM-dd, or the number when out of the calendar.</summary>
    public static string Day(uint day) =>
        day <= BatchIds.DayNumberMax ? BatchIds.Date(day) : day.ToString(CultureInfo.InvariantCulture);

    public static string Tonnes(ulong grams) =>
        (grams / GramsPerTonne).ToString("F6", CultureInfo.InvariantCulture);

    public static string Shorten(string text) => text.Length <= 70 ? text : text[..70] + "…";

    private static PublicKey PublicKeyFromFile(string path, string option)
    {
        var text = System.Text.Encoding.ASCII.GetString(ReadSmall(new FileInfo(path), option, KeyFile.FileBytesMax));
        if (text.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            using var key = PrivateKey(path, option);
            return key.ToPublicKey();
        }

        return PublicKeyPem.TryRead(text, out var publicKey, out var error)
            ? publicKey
            : throw new TxUsageException($"{option} {path}: {error}");
    }

    private static string EnumPrefix(EnumDescriptor descriptor) =>
        descriptor.Values.Single(v => v.Number == 0).Name.Replace("UNSPECIFIED", string.Empty, StringComparison.Ordinal);
}
