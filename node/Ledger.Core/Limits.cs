namespace Ledger.Core;

/// <summary>Every bound the rules put on what a client controls, named once.</summary>
public static class Limits
{
    /// <summary>Ids of participants, methodologies, projects and batches.</summary>
    public const int IdLengthMax = 64;

    public const int ChainIdLengthMax = 64;

    /// <summary>Batch ids embed a project id and two dates.</summary>
    public const int BatchIdLengthMax = 128;

    /// <summary>Names, titles, versions, beneficiaries.</summary>
    public const int NameLengthMax = 200;

    /// <summary>Purposes, reasons.</summary>
    public const int TextLengthMax = 1000;

    public const int SignaturesPerEnvelopeMax = 8;

    public const int EnvelopeBytesMax = 64 * 1024;

    public const int RolesPerParticipantMax = 8;

    public const int ActivityTypesPerMethodologyMax = 64;

    public const int ExternalRegistryIdsPerProjectMax = 16;

    public const int IssuedPeriodsPerProjectMax = 10_000;

    /// <summary>Official holidays in one year's calendar (China has about 30 days off, weekends included).</summary>
    public const int CalendarHolidaysPerYearMax = 64;

    /// <summary>Weekend days worked instead (调休) in one year's calendar.</summary>
    public const int CalendarAdjustedDaysPerYearMax = 32;

    /// <summary>Expert opinions one subject keeps; at least the rules' maximum required.</summary>
    public const int OpinionsPerSubjectMax = 32;

    public const int ObjectionsPerSubjectMax = 256;

    public const int EvaluationsPerSubjectMax = 256;

    /// <summary>Bureau records of registrations elsewhere linked to one subject.</summary>
    public const int ExclusionsPerSubjectMax = 64;

    /// <summary>Active methodologies covering one activity type (the §5 preference index).</summary>
    public const int MethodologiesPerActivityMax = 64;

    /// <summary>Units of scenario activity ("km", "kWh", "trip").</summary>
    public const int UnitLengthMax = 32;

    /// <summary>Holders one CorrectReductions may void from; a larger correction is split.</summary>
    public const int DeductionsPerCorrectionMax = 256;

    /// <summary>An envelope may name an expiry at most this many heights ahead, which bounds how long a refused envelope can be replayed.</summary>
    public const ulong ExpiryHeightsAheadMax = 100_000;

    public const int ReportHashBytes = 32;

    /// <summary>Bids one auction accepts; past it the operator settles or the auction is lost to spam.</summary>
    public const uint BidsPerAuctionMax = 10_000;

    /// <summary>An auction closes at most this long after it opens (90 days).</summary>
    public const long AuctionDurationMsMax = 90L * 24 * 60 * 60 * 1000;

    /// <summary>Items of one mall offer in stock, and redeemed at once.</summary>
    public const ulong MallStockMax = 1_000_000_000;

    /// <summary>Prices in a currency's minor unit (2^62: no sum of two overflows).</summary>
    public const ulong PriceMinorUnitsMax = 1UL << 62;

    public const int VoucherHashBytes = 32;

    /// <summary>An ISO 4217 alphabetic code: three capital letters.</summary>
    public static bool IsValidCurrency(string currency) =>
        currency.Length == 3 && currency.All(c => c is >= 'A' and <= 'Z');

    /// <summary>
    /// Records in one SubmitBehaviourBatch. A typical record is about 100 bytes, so 600 fill most of an
    /// envelope (EnvelopeBytesMax) and a block holds about 30 chunks (docs/DECISIONS.md D26).
    /// </summary>
    public const int BehaviourRecordsPerChunkMax = 600;

    /// <summary>Chunks of one scenario day: 1,000,000 records a day fit with room to spare.</summary>
    public const uint BehaviourChunksPerDayMax = 100_000;

    /// <summary>Pseudonymous user ids (salted hashes, §14) and dedup keys are exactly this long.</summary>
    public const int BehaviourHashBytes = 32;

    /// <summary>One record's quantity: 2^32 units. With per-day sums this keeps quantity × factor inside 128 bits.</summary>
    public const ulong BehaviourQuantityMax = 1UL << 32;

    /// <summary>Consent references (§13).</summary>
    public const int ConsentRefLengthMax = 64;

    /// <summary>Scenario days one IssueScenarioBatch may approve.</summary>
    public const int ScenarioDaysPerIssuanceMax = 100;

    public const uint DayMs = 86_400_000;

    /// <summary>
    /// The most one issuance may create (2^62 g, about 4.6 billion tCO2e): far above any real batch, and
    /// low enough that no sum of a batch's grams or serials can overflow 64 bits.
    /// </summary>
    public const ulong GramsPerBatchMax = 1UL << 62;

    /// <summary>A block's envelopes together, well under the gRPC message limit, so every block can always be served.</summary>
    public const int BlockBytesMax = 2 * 1024 * 1024;

    /// <summary>Ids are 1..IdLengthMax of [A-Za-z0-9._:-]: printable, no separator byte, safe in keys and file names.</summary>
    /// <remarks>A search over the span, not LINQ over the string: that boxed an enumerator for every id checked (D50).</remarks>
    public static bool IsValidId(string id, int lengthMax = IdLengthMax) =>
        id.Length is > 0 && id.Length <= lengthMax && !id.AsSpan().ContainsAnyExcept(IdCharacters);

    /// <summary>Free text: non-empty when required, bounded, no control characters.</summary>
    public static bool IsValidText(string text, int lengthMax, bool required) =>
        (!required || text.Length > 0) && text.Length <= lengthMax && !HasControl(text);

    /// <summary>[A-Za-z0-9._:-], the characters of an id.</summary>
    private static readonly System.Buffers.SearchValues<char> IdCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-");

    private static bool HasControl(string text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c))
            {
                return true;
            }
        }

        return false;
    }
}
