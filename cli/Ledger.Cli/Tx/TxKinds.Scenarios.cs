using System.CommandLine;
using System.Globalization;
using Google.Protobuf;
using Ledger.Client.Builders;
using Ledger.Core.Issuance;
using Ledger.Core.Protocol;
using Kind = Ledger.Core.Protocol.TransactionBody.KindOneofCase;

namespace Ledger.Cli.Tx;

/// <summary>Scenario issuance and custody (§12–§16): a chunk of a day's records, the day's issuance, a withdrawal.</summary>
internal static partial class TxKinds
{
    /// <summary>A records file: one chunk at most, so a few MiB is ample.</summary>
    private const long RecordsFileBytesMax = 4 * 1024 * 1024;

    private static IEnumerable<TxKind> ScenarioKinds() => [SubmitBehaviourBatch(), IssueScenarioBatch(), WithdrawCustody()];

    private static TxKind SubmitBehaviourBatch()
    {
        var scenario = Id("--scenario", "the APPROVED scenario the records are for");
        var day = Text("--day", "the day of the records, China Standard Time", "yyyy-MM-dd");
        var chunk = new Option<uint>("--chunk-index") { Description = "0, 1, 2, ...: the day is complete when chunks 0..n-1 have committed", Required = true, HelpName = "N" };
        var records = new Option<FileInfo>("--records")
        {
            Description = "one chunk's records: a JSON array of ledger.v1.BehaviourRecord in protobuf JSON (userId and dedupKey base64)",
            Required = true,
            HelpName = "FILE",
        };
        return new(Kind.SubmitBehaviourBatch, "submit one chunk of a day's desensitised behaviour records, §13-§14 (the scenario's SCENARIO_COMPANY)",
            [scenario, day, chunk, records], (r, _) => new(
                Transactions.SubmitBehaviourBatch(r.GetValue(scenario)!, DayOf(r.GetValue(day)!, "--day"), r.GetValue(chunk), ReadRecords(r.GetValue(records)!))));
    }

    private static TxKind IssueScenarioBatch()
    {
        var operatorId = Id("--operator", "the OPERATOR whose digital verification this is; it must co-sign (§15)");
        var days = Many("--verified-day", "a day as the operator verified it (repeatable, at most 100)", "SCENARIO:yyyy-MM-dd:CHUNKS:RECORDS:ROOT_HEX:GRAMS");
        days.Required = true;
        return new(Kind.IssueScenarioBatch, "issue verified scenario days into custody, §15-§16 (BUREAU, co-signed by the OPERATOR)",
            [operatorId, days], (r, _) => new(
                Transactions.IssueScenarioBatch(r.GetValue(operatorId)!, Split(r.GetValue(days)).Select(VerifiedDay).ToList())));
    }

    private static TxKind WithdrawCustody()
    {
        var user = Text("--user-id", "the user's pseudonymous id at the company: 64 hex digits", "HEX");
        var batch = Id("--batch", "the scenario batch, e.g. ORD-S-S-TRAVEL-20250101");
        var (grams, tonnes) = Amount();
        var trader = Id("--trader", "the user's own TRADER account; by signing, the company vouches it is that user");
        return new(Kind.WithdrawCustody, "move a user's custody units to the user's own TRADER account, §16 (the SCENARIO_COMPANY)",
            [user, batch, grams, tonnes, trader], (r, _) => new(
                Transactions.WithdrawCustody(TxArguments.Hex(r.GetValue(user)!, "--user-id"), r.GetValue(batch)!, TxArguments.Grams(r.GetValue(grams), r.GetValue(tonnes)), r.GetValue(trader)!)));
    }

    private static uint DayOf(string text, string option) => BatchIds.DayNumber(TxArguments.Date(text, option));

    private static List<BehaviourRecord> ReadRecords(FileInfo file)
    {
        var text = System.Text.Encoding.UTF8.GetString(TxArguments.ReadSmall(file, "--records", RecordsFileBytesMax));
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != System.Text.Json.JsonValueKind.Array)
            {
                throw new TxUsageException($"--records {file.Name}: a JSON array of records, not a {document.RootElement.ValueKind}");
            }

            return document.RootElement.EnumerateArray().Select(e => JsonParser.Default.Parse<BehaviourRecord>(e.GetRawText())).ToList();
        }
        catch (Exception exception) when (exception is System.Text.Json.JsonException or InvalidProtocolBufferException or InvalidJsonException)
        {
            throw new TxUsageException($"--records {file.Name}: {exception.Message}");
        }
    }

    /// <summary>SCENARIO:yyyy-MM-dd:CHUNKS:RECORDS:ROOT_HEX:GRAMS.</summary>
    private static ScenarioDayVerification VerifiedDay(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 6
            || !uint.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var chunks)
            || !ulong.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var records)
            || !ulong.TryParse(parts[5], NumberStyles.None, CultureInfo.InvariantCulture, out var grams))
        {
            throw new TxUsageException($"--verified-day must be SCENARIO:yyyy-MM-dd:CHUNKS:RECORDS:ROOT_HEX:GRAMS, not '{text}'");
        }

        return new ScenarioDayVerification
        {
            ScenarioId = parts[0],
            Day = DayOf(parts[1], "--verified-day"),
            Chunks = chunks,
            Records = records,
            RecordsRoot = ByteString.CopyFrom(TxArguments.Hex(parts[4], "--verified-day")),
            Grams = grams,
        };
    }
}
