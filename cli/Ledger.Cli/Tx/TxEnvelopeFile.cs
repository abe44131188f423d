using System.Collections;
using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Ledger.Core.Protocol;

namespace Ledger.Cli.Tx;

/// <summary>
/// A prepared envelope on disk, as protobuf JSON of ledger.v1.Envelope (Google.Protobuf's
/// JsonFormatter): the unit passed between parties for co-signing, and what `ledger tx submit` sends.
/// The body travels as base64 of its exact bytes, so what each party signs is what the ledger checks.
/// </summary>
internal static class TxEnvelopeFile
{
    /// <summary>An envelope is at most 64 KiB, about 88 KiB as base64 in JSON; anything much larger is not one.</summary>
    public const long FileBytesMax = 1024 * 1024;

    /// <summary>The envelope in file and the body it carries; anything else is a <see cref="TxUsageException"/>.</summary>
    public static (Envelope Envelope, TransactionBody Body) Read(FileInfo file)
    {
        var bytes = TxArguments.ReadSmall(file, "envelope file", FileBytesMax);
        Envelope envelope;
        try
        {
            envelope = JsonParser.Default.Parse<Envelope>(System.Text.Encoding.UTF8.GetString(bytes));
        }
        catch (Exception exception) when (exception is InvalidJsonException or InvalidProtocolBufferException or FormatException)
        {
            throw new TxUsageException($"{file.FullName} is not an envelope (protobuf JSON of ledger.v1.Envelope): {exception.Message}");
        }

        return (envelope, Body(envelope, file.FullName));
    }

    /// <summary>Writes beside the destination and moves into place, so a reader never sees half an envelope.</summary>
    public static void Write(FileInfo file, Envelope envelope)
    {
        var temporary = Path.Combine(file.DirectoryName ?? ".", $".{file.Name}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temporary, JsonFormatter.Default.Format(envelope) + "\n");
            File.Move(temporary, file.FullName, overwrite: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new TxUsageException($"{file.FullName}: {exception.Message}");
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>The body an envelope carries; an envelope whose body does not parse to one kind is refused.</summary>
    public static TransactionBody Body(Envelope envelope, string source)
    {
        TransactionBody body;
        try
        {
            body = TransactionBody.Parser.ParseFrom(envelope.Body);
        }
        catch (InvalidProtocolBufferException exception)
        {
            throw new TxUsageException($"{source}: the body does not parse as a ledger.v1.TransactionBody: {exception.Message}");
        }

        return body.KindCase != TransactionBody.KindOneofCase.None
            ? body
            : throw new TxUsageException($"{source}: the body has no transaction kind");
    }

    /// <summary>The CLI name of a kind: the proto field name with '-' (issue-project-reductions).</summary>
    public static string KindName(TransactionBody.KindOneofCase kind) =>
        TransactionBody.Descriptor.FindFieldByNumber((int)kind).Name.Replace('_', '-');

    /// <summary>What a person checks before signing: the frame, then every field of the body as the proto names it.</summary>
    public static IReadOnlyList<(string Label, string Value)> Describe(Envelope envelope, TransactionBody body)
    {
        var rows = new List<(string, string)>
        {
            ("kind", KindName(body.KindCase)),
            ("chain", envelope.ChainId),
            ("signer", envelope.Signer),
            ("nonce", envelope.Nonce.ToString(CultureInfo.InvariantCulture)),
            ("expiry height", envelope.ExpiryHeight.ToString(CultureInfo.InvariantCulture)),
        };
        var kind = (IMessage)TransactionBody.Descriptor.FindFieldByNumber((int)body.KindCase).Accessor.GetValue(body);
        foreach (var field in kind.Descriptor.Fields.InFieldNumberOrder())
        {
            rows.Add((field.Name, Field(field, field.Accessor.GetValue(kind))));
        }

        rows.Add(("signatures", Signers(envelope)));
        return rows;
    }

    public static string Signers(Envelope envelope) =>
        envelope.Signatures.Count == 0 ? "none" : string.Join(", ", envelope.Signatures.Select(s => s.Signer));

    /// <summary>
    /// The signatures the body's rule asks for that the envelope visibly lacks (docs/PROTOCOL.md §9).
    /// Offline a co-signer's roles are unknown, so a transfer with any co-signature is not flagged.
    /// </summary>
    public static IReadOnlyList<string> MissingSignatures(Envelope envelope, TransactionBody body)
    {
        var signers = envelope.Signatures.Select(s => s.Signer).ToList();
        return body.KindCase switch
        {
            TransactionBody.KindOneofCase.IssueProjectReductions when !signers.Contains(body.IssueProjectReductions.VerifierId) =>
                [$"a co-signature by the verifier {body.IssueProjectReductions.VerifierId} (§15 verification report)"],
            TransactionBody.KindOneofCase.Transfer when !signers.Contains(body.Transfer.To) || signers.Count < 3 =>
                [$"the buyer's acceptance (a co-signature by {body.Transfer.To}, §21) and an OPERATOR's co-signature (§20 trade attestation)"],
            TransactionBody.KindOneofCase.OpenAuction when !signers.Contains(body.OpenAuction.Seller) =>
                [$"a co-signature by the seller {body.OpenAuction.Seller}, whose lot moves into escrow"],
            TransactionBody.KindOneofCase.RotateKey when signers.Count < 2 || signers[^1] != body.RotateKey.ParticipantId =>
                [$"the proof of possession: {body.RotateKey.ParticipantId} signing last with the new key"],
            _ => [],
        };
    }

    private static string Field(FieldDescriptor field, object value)
    {
        if (field.IsRepeated)
        {
            var items = ((IList)value).Cast<object>().Select(item => Scalar(field, item)).ToList();
            return items.Count == 0 ? "-" : string.Join(field.FieldType == FieldType.Message ? "; " : ", ", items);
        }

        return Scalar(field, value);
    }

    private static string Scalar(FieldDescriptor field, object? value) => value switch
    {
        null => "-",
        DayRange period => $"{TxArguments.Day(period.FirstDay)} to {TxArguments.Day(period.LastDay)}",
        PublicKey key => Key(key),
        ValidatorUpdate update => $"{update.ValidatorId} power {update.Power} " + (update.PublicKey is null ? "(no key)" : Key(update.PublicKey)),
        IMessage message => JsonFormatter.Default.Format(message),
        ByteString bytes => bytes.Length == 0 ? "-" : Convert.ToHexStringLower(bytes.Span),
        string text => text.Length == 0 ? "-" : text,
        ulong grams when field.Name.EndsWith("_grams", StringComparison.Ordinal) => $"{grams} g ({TxArguments.Tonnes(grams)} tCO2e)",
        _ when field.FieldType == FieldType.Enum => TxArguments.EnumName(field.EnumType, Convert.ToInt32(value, CultureInfo.InvariantCulture)),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "-",
    };

    private static string Key(PublicKey key) =>
        $"{TxArguments.EnumName(KeyAlgorithmReflection, (int)key.Algorithm)} {Convert.ToBase64String(key.Key.Span)}";

    private static EnumDescriptor KeyAlgorithmReflection => TxArguments.EnumDescriptorOf<KeyAlgorithm>();
}
