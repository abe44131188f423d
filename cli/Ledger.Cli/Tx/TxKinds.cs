using System.CommandLine;
using Ledger.Client.Builders;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;
using Kind = Ledger.Core.Protocol.TransactionBody.KindOneofCase;

namespace Ledger.Cli.Tx;

/// <summary>What a kind's options make: a body, and for a rotation with the new private key at hand, that key.</summary>
/// <param name="Body">Built by the SDK's <see cref="Transactions"/>, which checks every argument.</param>
/// <param name="NewKey">rotate-key --new-key: the envelope then ends with the proof of possession (Envelopes.RotateKey).</param>
internal sealed record TxDraft(TransactionBody Body, SigningKey? NewKey = null);

/// <summary>What a kind's body may depend on beyond its own options.</summary>
/// <param name="SignerId">--as: the primary signer.</param>
/// <param name="NetworkHash">Known when --node or --hash-algorithm is given; UNSPECIFIED otherwise.</param>
internal sealed record TxContext(string SignerId, HashAlgorithm NetworkHash);

/// <summary>One `ledger tx KIND` subcommand: its options and how they become a body.</summary>
/// <param name="Case">The member of TransactionBody.kind; the command's name is its proto field name with '-'.</param>
/// <param name="Build">Reads the kind's options into a body.</param>
internal sealed record TxKind(Kind Case, string Description, IReadOnlyList<Option> Options, Func<ParseResult, TxContext, TxDraft> Build)
{
    public string Name => TxEnvelopeFile.KindName(Case);
}

/// <summary>
/// Every member of transactions.proto's TransactionBody.kind, each built only through the SDK's
/// <see cref="Transactions"/> builders. Options name the field they fill (--project, --batch, --grams).
/// </summary>
internal static partial class TxKinds
{
    /// <summary>The C# parameter names of the builders, as the option that fills each, for their messages.</summary>
    public static readonly IReadOnlyDictionary<string, string> OptionOfParameter = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["participantId"] = "--participant", ["name"] = "--name", ["roles"] = "--role", ["publicKey"] = "--public-key",
        ["status"] = "--status", ["newPublicKey"] = "--new-key/--new-public-key", ["methodologyId"] = "--methodology",
        ["title"] = "--title", ["level"] = "--level", ["version"] = "--version", ["activityTypes"] = "--activity-type",
        ["supersedesMethodologyId"] = "--supersedes", ["projectId"] = "--project", ["externalRegistryIds"] = "--external-registry-id",
        ["reason"] = "--reason", ["firstDay"] = "--from/--to", ["lastDay"] = "--from/--to", ["amountGrams"] = "--grams/--tonnes",
        ["reportHash"] = "--report-hash/--report", ["verifierId"] = "--verifier", ["to"] = "--to", ["batchId"] = "--batch",
        ["beneficiary"] = "--beneficiary", ["purpose"] = "--purpose", ["cancellationId"] = "--cancellation",
        ["updates"] = "--validator", ["chainId"] = "--chain-id", ["coSigners"] = "--cosign",
        ["deductions"] = "--deduct", ["shortfallGrams"] = "--shortfall-grams", ["evidenceHash"] = "--evidence",
        ["userId"] = "--user-id", ["traderId"] = "--trader", ["operatorId"] = "--operator", ["days"] = "--verified-day", ["records"] = "--records",
        ["scenarioId"] = "--scenario", ["subjectId"] = "--subject", ["opinionHash"] = "--opinion", ["summary"] = "--summary",
        ["text"] = "--text", ["onBehalfOf"] = "--on-behalf-of", ["objectionNumber"] = "--objection", ["answer"] = "--answer",
        ["finding"] = "--finding", ["rectificationDeadline"] = "--deadline", ["evaluationNumber"] = "--evaluation",
        ["description"] = "--description", ["year"] = "--year", ["holidays"] = "--holiday", ["adjustedWorkingDays"] = "--working-day",
        ["registry"] = "--registry", ["externalId"] = "--external-id", ["note"] = "--note", ["externalRegistryId"] = "--external-registry-id",
        ["emissionFactors"] = "--factor", ["dailyCapGramsPerUser"] = "--daily-cap-grams", ["activityType"] = "--factor",
        ["unit"] = "--factor", ["gramsNumerator"] = "--factor", ["unitsDenominator"] = "--factor",
        ["priceMinorUnits"] = "--price", ["currency"] = "--currency", ["usingEntity"] = "--using-entity", ["seller"] = "--seller",
        ["reservePriceMinorUnits"] = "--reserve-price", ["minIncrementMinorUnits"] = "--min-increment", ["closesAt"] = "--closes-at",
        ["auctionId"] = "--auction", ["offerId"] = "--offer", ["kind"] = "--kind", ["priceGrams"] = "--price-grams", ["stock"] = "--stock",
        ["validFrom"] = "--valid-from", ["validUntil"] = "--valid-until", ["quantity"] = "--quantity", ["voucherHash"] = "--voucher/--voucher-hash",
    };

    /// <summary>A fresh set of kinds: options belong to one command tree, so each tree gets its own.</summary>
    public static IReadOnlyList<TxKind> Create() =>
    [
        RegisterParticipant(), UpdateParticipant(), RotateKey(), FileMethodology(), ApplyProject(), ApproveProject(), RejectProject(),
        IssueProjectReductions(), Transfer(), RequestCancellation(), ApproveCancellation(), DeclineCancellation(), ChangeValidators(),
        CorrectReductions(), MakeGoodShortfall(),
        OpenAuction(), PlaceBid(), SettleAuction(), CancelAuction(), PublishMallOffer(), UpdateMallOffer(), WithdrawMallOffer(), Redeem(), .. LifecycleKinds(), .. ScenarioKinds(),
    ];

    private static TxKind RegisterParticipant()
    {
        var participant = Id("--participant", "the new participant's id");
        var name = Text("--name", "its name");
        var roles = Roles();
        var publicKey = Text("--public-key", "its public key: a PEM file (FILE.pub.pem from `ledger keys new`; a private key gives its public half) or base64 of the raw key", "FILE|BASE64");
        return new(Kind.RegisterParticipant, "register a participant (BUREAU: any role; OPERATOR: enterprise roles)", [participant, name, roles, publicKey], (r, _) => new(
            Transactions.RegisterParticipant(r.GetValue(participant)!, r.GetValue(name)!, RolesOf(r, roles), TxArguments.PublicKey(r.GetValue(publicKey)!, "--public-key"))));
    }

    private static TxKind UpdateParticipant()
    {
        var participant = Id("--participant", "the participant's id");
        var name = Text("--name", "its name (replaces the current one)");
        var roles = Roles();
        var status = Text("--status", "ACTIVE or SUSPENDED", "STATUS");
        return new(Kind.UpdateParticipant, "replace a participant's name, roles and status (BUREAU or OPERATOR)", [participant, name, roles, status], (r, _) => new(
            Transactions.UpdateParticipant(r.GetValue(participant)!, r.GetValue(name)!, RolesOf(r, roles), TxArguments.Enum<ParticipantStatus>(r.GetValue(status)!, "--status"))));
    }

    private static TxKind RotateKey()
    {
        var participant = Optional("--participant", "whose key is replaced (default: --as; a BUREAU may rotate a lost key)", "ID");
        var newKey = Optional("--new-key", "the new private key (PEM): the envelope ends with its proof of possession", "FILE");
        var newPublicKey = Optional("--new-public-key", "instead of --new-key, the new public key (file or base64) with --out: its holder adds the proof with `ledger tx sign`", "FILE|BASE64");
        return new(Kind.RotateKey, "replace a participant's key (the participant, or a BUREAU for a lost key)", [participant, newKey, newPublicKey], (r, context) =>
        {
            var id = r.GetValue(participant) ?? context.SignerId;
            var (keyFile, publicText) = (r.GetValue(newKey), r.GetValue(newPublicKey));
            if ((keyFile is null) == (publicText is null))
            {
                throw new TxUsageException("give exactly one of --new-key FILE or --new-public-key KEY");
            }

            if (keyFile is null)
            {
                return new(Transactions.RotateKey(id, TxArguments.PublicKey(publicText!, "--new-public-key")));
            }

            var key = TxArguments.PrivateKey(keyFile, "--new-key");
            try
            {
                return new(Transactions.RotateKey(id, key.ToPublicKey()), key);
            }
            catch (ArgumentException)
            {
                key.Dispose();
                throw;
            }
        });
    }

    private static TxKind FileMethodology()
    {
        var methodology = Id("--methodology", "the methodology's id");
        var title = Text("--title", "its title");
        var level = Text("--level", "NATIONAL, LOCAL or GROUP", "LEVEL");
        var version = Text("--version", "its version, e.g. 1.0", "VERSION");
        var activityTypes = Many("--activity-type", "an activity type it covers (repeatable)", "TYPE");
        var supersedes = Optional("--supersedes", "an ACTIVE methodology this one replaces", "ID");
        return new(Kind.FileMethodology, "file a methodology, §5 §6 (BUREAU)", [methodology, title, level, version, activityTypes, supersedes], (r, _) => new(
            Transactions.FileMethodology(
                r.GetValue(methodology)!, r.GetValue(title)!, TxArguments.Enum<MethodologyLevel>(r.GetValue(level)!, "--level"), r.GetValue(version)!,
                Split(r.GetValue(activityTypes)), r.GetValue(supersedes))));
    }

    private static TxKind ApplyProject()
    {
        var project = Id("--project", "the project's id");
        var title = Text("--title", "its title");
        var methodology = Id("--methodology", "the methodology it follows");
        var external = Many("--external-registry-id", "its id in CCER, VCS, GS or another registry, if any (repeatable; such a project never issues here, §17)");
        return new(Kind.ApplyProject, "apply for a project, §9 (PROJECT_OWNER)", [project, title, methodology, external], (r, _) => new(
            Transactions.ApplyProject(r.GetValue(project)!, r.GetValue(title)!, r.GetValue(methodology)!, Split(r.GetValue(external)))));
    }

    private static TxKind ApproveProject()
    {
        var project = Id("--project", "the project's or scenario's id (in PUBLIC_NOTICE)");
        return new(Kind.ApproveProject, "approve a project or scenario whose public notice has ended, §10 (BUREAU)", [project], (r, _) => new(Transactions.ApproveProject(r.GetValue(project)!)));
    }

    private static TxKind RejectProject()
    {
        var project = Id("--project", "the APPLIED project's id");
        var reason = Text("--reason", "why");
        return new(Kind.RejectProject, "reject a project or scenario before approval (BUREAU)", [project, reason], (r, _) => new(Transactions.RejectProject(r.GetValue(project)!, r.GetValue(reason)!)));
    }

    private static TxKind IssueProjectReductions()
    {
        var project = Id("--project", "the APPROVED project's id");
        var from = Text("--from", "first day of the monitoring period (China Standard Time)", "yyyy-MM-dd");
        var to = Text("--to", "last day of the monitoring period, included", "yyyy-MM-dd");
        var (grams, tonnes) = Amount();
        var reportHash = Optional("--report-hash", "the network hash of the verification report, 64 hex digits", "HEX");
        var report = new Option<FileInfo>("--report") { Description = "instead of --report-hash, the report file, hashed here with the network hash", HelpName = "FILE" };
        var verifier = Id("--verifier", "the VERIFIER whose report it is; it must co-sign (§15)");
        return new(Kind.IssueProjectReductions, "issue reductions for a monitoring period, §15 (BUREAU, co-signed by the VERIFIER)",
            [project, from, to, grams, tonnes, reportHash, report, verifier], (r, context) => new(
                Transactions.IssueProjectReductions(
                    r.GetValue(project)!, TxArguments.Date(r.GetValue(from)!, "--from"), TxArguments.Date(r.GetValue(to)!, "--to"),
                    TxArguments.Grams(r.GetValue(grams), r.GetValue(tonnes)), TxArguments.ReportHash(r.GetValue(reportHash), r.GetValue(report), context.NetworkHash), r.GetValue(verifier)!)));
    }

    private static TxKind Transfer()
    {
        var to = Id("--to", "the receiving account");
        var batch = Id("--batch", "the batch id, e.g. ORD-P-PV-7-20250101-20250331");
        var (grams, tonnes) = Amount();
        var price = Price("--price", "the agreed price for all the units, in the currency's minor unit (fen for CNY); 0 is a gift", required: true);
        var currency = Currency();
        return new(Kind.Transfer, "negotiated agreement transfer, §21 (the seller, co-signed by the buyer --to and an OPERATOR, §20)", [to, batch, grams, tonnes, price, currency], (r, _) => new(
            Transactions.Transfer(r.GetValue(to)!, r.GetValue(batch)!, TxArguments.Grams(r.GetValue(grams), r.GetValue(tonnes)), r.GetValue(price), r.GetValue(currency)!)));
    }

    private static TxKind RequestCancellation()
    {
        var batch = Id("--batch", "the batch id");
        var (grams, tonnes) = Amount();
        var beneficiary = Text("--beneficiary", "on whose behalf the units are cancelled");
        var purpose = Text("--purpose", "what the cancellation neutralises");
        var usingEntity = Optional("--using-entity", "who uses the reductions for carbon neutralisation (default: the holder)", "NAME");
        var (user, consent) = CustodyOptions("cancels");
        return new(Kind.RequestCancellation, "ask for units to be cancelled, §23 (the holder, or the custodian SCENARIO_COMPANY for a user; the cancellation id is this transaction's id)",
            [batch, grams, tonnes, beneficiary, purpose, usingEntity, user, consent], (r, _) =>
            {
                var amount = TxArguments.Grams(r.GetValue(grams), r.GetValue(tonnes));
                return new(CustodyUser(r, user, consent) is { } custody
                    ? Transactions.RequestCustodyCancellation(custody.UserId, custody.Consent, r.GetValue(batch)!, amount, r.GetValue(beneficiary)!, r.GetValue(purpose)!, r.GetValue(usingEntity) ?? "")
                    : Transactions.RequestCancellation(r.GetValue(batch)!, amount, r.GetValue(beneficiary)!, r.GetValue(purpose)!, r.GetValue(usingEntity) ?? ""));
            });
    }

    private static TxKind ApproveCancellation()
    {
        var cancellation = Id("--cancellation", "the cancellation id (the request's transaction id)");
        return new(Kind.ApproveCancellation, "approve a pending cancellation: the units retire and take serials (OPERATOR)", [cancellation], (r, _) => new(
            Transactions.ApproveCancellation(r.GetValue(cancellation)!)));
    }

    private static TxKind DeclineCancellation()
    {
        var cancellation = Id("--cancellation", "the cancellation id (the request's transaction id)");
        var reason = Text("--reason", "why");
        return new(Kind.DeclineCancellation, "decline a pending cancellation: the units return to the holder (OPERATOR)", [cancellation, reason], (r, _) => new(
            Transactions.DeclineCancellation(r.GetValue(cancellation)!, r.GetValue(reason)!)));
    }

    private static TxKind ChangeValidators()
    {
        var validators = Many("--validator", "KEY a key file or base64 public key; power 0 removes (ID=:0) (repeatable)", "ID=KEY:POWER");
        validators.Required = true;
        return new(Kind.ChangeValidators, "change the consensus validators; the new set signs from h + 2 (BUREAU)", [validators], (r, _) => new(
            Transactions.ChangeValidators(Split(r.GetValue(validators)).Select(TxArguments.ValidatorUpdate).Select(u => (u.ValidatorId, u.PublicKey!, u.Power)).ToList())));
    }

    private static TxKind CorrectReductions()
    {
        var batch = Id("--batch", "the corrected batch");
        var deductions = Many("--deduct", "void a holder's tradable units of the batch, or a scenario user's custody units as USER_HEX@COMPANY=GRAMS (repeatable)", "ACCOUNT=GRAMS");
        var shortfall = new Option<ulong>("--shortfall-grams") { Description = "cancelled (retired) units owed by the batch's original owner", HelpName = "N" };
        var reason = Text("--reason", "the abnormal data found");
        var evidence = new Option<FileInfo>("--evidence") { Description = "a file of evidence, hashed with the network hash", HelpName = "FILE" };
        return new(Kind.CorrectReductions, "void reductions from abnormal data and record the owner's shortfall, §11 (BUREAU)",
            [batch, deductions, shortfall, reason, evidence], (r, context) => new(
                Transactions.CorrectReductions(
                    r.GetValue(batch)!,
                    Split(r.GetValue(deductions)).Select(TxArguments.Deduction).ToList(),
                    r.GetValue(shortfall),
                    r.GetValue(reason)!,
                    r.GetValue(evidence) is { } file ? TxArguments.FileHash(file, "--evidence", context.NetworkHash) : [])));
    }

    private static TxKind MakeGoodShortfall()
    {
        var batch = Id("--batch", "a batch the signer holds tradable units of");
        var (grams, tonnes) = Amount();
        return new(Kind.MakeGoodShortfall, "surrender units against the signer's shortfall from corrections, §11 (the owner)", [batch, grams, tonnes], (r, _) => new(
            Transactions.MakeGoodShortfall(r.GetValue(batch)!, TxArguments.Grams(r.GetValue(grams), r.GetValue(tonnes)))));
    }

    private static TxKind OpenAuction()
    {
        var seller = Id("--seller", "the seller; it must co-sign, its lot moves into escrow");
        var batch = Id("--batch", "the batch id");
        var (grams, tonnes) = Amount();
        var currency = Currency();
        var reserve = Price("--reserve-price", "the lowest first bid in minor units (default 0)");
        var increment = Price("--min-increment", "every later bid at least the best plus this, in minor units (> 0)", required: true);
        var closesAt = Text("--closes-at", "the closing time: ISO 8601 with offset (2025-06-30T15:00:00+08:00) or Unix ms", "TIME");
        return new(Kind.OpenAuction, "open an auction of a seller's lot, §21 (OPERATOR, co-signed by the seller; the auction id is this transaction's id)",
            [seller, batch, grams, tonnes, currency, reserve, increment, closesAt], (r, _) => new(
                Transactions.OpenAuction(
                    r.GetValue(seller)!, r.GetValue(batch)!, TxArguments.Grams(r.GetValue(grams), r.GetValue(tonnes)), r.GetValue(currency)!,
                    r.GetValue(reserve), r.GetValue(increment), TxArguments.Time(r.GetValue(closesAt)!, "--closes-at"))));
    }

    private static TxKind PlaceBid()
    {
        var auction = Id("--auction", "the auction id (the OpenAuction's transaction id)");
        var price = Price("--price", "the bid for the whole lot, in the currency's minor unit", required: true);
        return new(Kind.PlaceBid, "bid for an auction's lot, §21 (a trading party other than the seller)", [auction, price], (r, _) => new(
            Transactions.PlaceBid(r.GetValue(auction)!, r.GetValue(price))));
    }

    private static TxKind SettleAuction()
    {
        var auction = Id("--auction", "the auction id");
        return new(Kind.SettleAuction, "settle a closed auction: the lot to the best bidder, or back to the seller (OPERATOR)", [auction], (r, _) => new(
            Transactions.SettleAuction(r.GetValue(auction)!)));
    }

    private static TxKind CancelAuction()
    {
        var auction = Id("--auction", "the auction id");
        var reason = Text("--reason", "why");
        return new(Kind.CancelAuction, "cancel an open auction: the lot goes back to the seller (OPERATOR)", [auction, reason], (r, _) => new(
            Transactions.CancelAuction(r.GetValue(auction)!, r.GetValue(reason)!)));
    }

    private static TxKind PublishMallOffer()
    {
        var offer = Id("--offer", "the offer's id, unique in the mall");
        var title = Text("--title", "what is offered");
        var kind = Text("--kind", "GOODS or SERVICES", "KIND");
        var priceGrams = new Option<ulong>("--price-grams") { Description = "grams of reductions per item", Required = true, HelpName = "N" };
        var stock = new Option<ulong>("--stock") { Description = "items available", Required = true, HelpName = "N" };
        var validFrom = Text("--valid-from", "redeemable from: ISO 8601 with offset or Unix ms", "TIME");
        var validUntil = Text("--valid-until", "redeemable until (excluded): ISO 8601 with offset or Unix ms", "TIME");
        return new(Kind.PublishMallOffer, "publish a points-mall offer, §24 (RIGHTS_PROVIDER)", [offer, title, kind, priceGrams, stock, validFrom, validUntil], (r, _) => new(
            Transactions.PublishMallOffer(
                r.GetValue(offer)!, r.GetValue(title)!, TxArguments.MallOfferKind(r.GetValue(kind)!), r.GetValue(priceGrams), r.GetValue(stock),
                TxArguments.Time(r.GetValue(validFrom)!, "--valid-from"), TxArguments.Time(r.GetValue(validUntil)!, "--valid-until"))));
    }

    private static TxKind UpdateMallOffer()
    {
        var offer = Id("--offer", "the offer's id");
        var priceGrams = new Option<ulong>("--price-grams") { Description = "grams of reductions per item", Required = true, HelpName = "N" };
        var stock = new Option<ulong>("--stock") { Description = "items available (replaces the current stock)", Required = true, HelpName = "N" };
        var validUntil = Text("--valid-until", "redeemable until (excluded): ISO 8601 with offset or Unix ms", "TIME");
        return new(Kind.UpdateMallOffer, "replace an offer's price, stock and end of validity (its RIGHTS_PROVIDER)", [offer, priceGrams, stock, validUntil], (r, _) => new(
            Transactions.UpdateMallOffer(r.GetValue(offer)!, r.GetValue(priceGrams), r.GetValue(stock), TxArguments.Time(r.GetValue(validUntil)!, "--valid-until"))));
    }

    private static TxKind WithdrawMallOffer()
    {
        var offer = Id("--offer", "the offer's id");
        return new(Kind.WithdrawMallOffer, "withdraw a mall offer for good (its RIGHTS_PROVIDER)", [offer], (r, _) => new(
            Transactions.WithdrawMallOffer(r.GetValue(offer)!)));
    }

    private static TxKind Redeem()
    {
        var offer = Id("--offer", "the offer's id");
        var quantity = new Option<ulong>("--quantity") { Description = "items to redeem", Required = true, HelpName = "N" };
        var batch = Id("--batch", "the batch whose tradable units pay");
        var voucher = Optional("--voucher", "the voucher code the individual will show the provider; only its network hash goes on the ledger", "CODE");
        var voucherHash = Optional("--voucher-hash", "instead of --voucher, the voucher code's network hash, 64 hex digits", "HEX");
        var (user, consent) = CustodyOptions("redeems");
        return new(Kind.Redeem, "redeem items of a mall offer, §25 (a trading party, or the custodian SCENARIO_COMPANY for a user; the grams go to the provider; the redemption id is this transaction's id)",
            [offer, quantity, batch, voucher, voucherHash, user, consent], (r, context) =>
            {
                var hash = TxArguments.VoucherHash(r.GetValue(voucher), r.GetValue(voucherHash), context.NetworkHash);
                return new(CustodyUser(r, user, consent) is { } custody
                    ? Transactions.RedeemForUser(custody.UserId, custody.Consent, r.GetValue(offer)!, r.GetValue(quantity), r.GetValue(batch)!, hash)
                    : Transactions.Redeem(r.GetValue(offer)!, r.GetValue(quantity), r.GetValue(batch)!, hash));
            });
    }

    /// <summary>--custody-user and --consent: the custody path (§16, D24), both or neither.</summary>
    private static (Option<string> User, Option<string> Consent) CustodyOptions(string verb) =>
        (Optional("--custody-user", $"the custodian SCENARIO_COMPANY {verb} from this user's custody balance: the user's pseudonymous id, 64 hex digits", "HEX"),
         Optional("--consent", "with --custody-user: the reference of the user's consent", "REF"));

    private static (byte[] UserId, string Consent)? CustodyUser(System.CommandLine.ParseResult r, Option<string> user, Option<string> consent)
    {
        var (hex, reference) = (r.GetValue(user), r.GetValue(consent));
        if (hex is null && reference is null)
        {
            return null;
        }

        if (hex is null || string.IsNullOrEmpty(reference))
        {
            throw new TxUsageException("--custody-user and --consent go together: the custody path needs the user and the user's consent");
        }

        return (TxArguments.Hex(hex, "--custody-user"), reference);
    }

    private static Option<ulong> Price(string name, string description, bool required = false) =>
        new(name) { Description = description, Required = required, HelpName = "MINOR_UNITS" };

    private static Option<string> Currency() =>
        new("--currency") { Description = "ISO 4217 code", DefaultValueFactory = _ => "CNY", HelpName = "CODE" };

    private static Option<string> Id(string name, string description) => new(name) { Description = description, Required = true, HelpName = "ID" };

    private static Option<string> Text(string name, string description, string helpName = "TEXT") =>
        new(name) { Description = description, Required = true, HelpName = helpName };

    private static Option<string> Optional(string name, string description, string helpName) => new(name) { Description = description, HelpName = helpName };

    private static Option<string[]> Many(string name, string description, string helpName = "ID") => new(name) { Description = description, HelpName = helpName };

    private static Option<string[]> Roles()
    {
        var names = string.Join(", ", TxArguments.EnumNames(TxArguments.EnumDescriptorOf<Role>()));
        return new Option<string[]>("--role") { Description = $"a role (repeatable or comma-separated): {names}", Required = true, HelpName = "ROLE" };
    }

    private static (Option<ulong?> Grams, Option<string> Tonnes) Amount() =>
        (new Option<ulong?>("--grams") { Description = "the amount in grams of CO2e", HelpName = "N" },
         new Option<string>("--tonnes") { Description = "instead of --grams, tCO2e with at most 6 decimals", HelpName = "T" });

    private static List<Role> RolesOf(ParseResult result, Option<string[]> roles) =>
        Split(result.GetValue(roles)).Select(role => TxArguments.Enum<Role>(role, "--role")).ToList();

    /// <summary>Repeated values, each possibly comma-separated.</summary>
    private static List<string> Split(string[]? values) =>
        (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
}
