using System.CommandLine;
using System.Globalization;
using Ledger.Client.Builders;
using Ledger.Core.Protocol;
using Kind = Ledger.Core.Protocol.TransactionBody.KindOneofCase;

namespace Ledger.Cli.Tx;

/// <summary>The lifecycle's kinds (§5–§11, §17): scenarios, review, public notice, objections, evaluation, calendar, exclusions.</summary>
internal static partial class TxKinds
{
    private static IEnumerable<TxKind> LifecycleKinds() =>
    [
        ApplyScenario(), SubmitReview(), StartPublicNotice(), FileObjection(), AnswerObjection(), RecordEvaluation(), RecordRectification(),
        Suspend(), Reinstate(), SetCalendar(), AddExclusion(), DeclareExternalRegistration(), WithdrawMethodology(), GrantMethodologyException(),
    ];

    private static TxKind ApplyScenario()
    {
        var scenario = Id("--scenario", "the scenario's id (unique across projects and scenarios)");
        var title = Text("--title", "its title");
        var methodology = Id("--methodology", "the SCENARIO methodology it follows");
        var external = Many("--external-registry-id", "its id in another registry, if any (repeatable, §17)");
        return new(Kind.ApplyScenario, "apply for a reduction scenario, §9 (SCENARIO_COMPANY)", [scenario, title, methodology, external], (r, _) => new(
            Transactions.ApplyScenario(r.GetValue(scenario)!, r.GetValue(title)!, r.GetValue(methodology)!, Split(r.GetValue(external)))));
    }

    private static TxKind SubmitReview()
    {
        var subject = Subject();
        var verdict = Text("--verdict", "favourable or unfavourable", "VERDICT");
        var opinion = new Option<FileInfo>("--opinion") { Description = "the signed opinion document, hashed with the network hash", HelpName = "FILE" };
        var summary = Optional("--summary", "a short summary of the opinion (this or --opinion, or both)", "TEXT");
        return new(Kind.SubmitReview, "an expert's review opinion, §10 (EXPERT, once per subject)", [subject, verdict, opinion, summary], (r, context) => new(
            Transactions.SubmitReview(
                r.GetValue(subject)!,
                Verdict(r.GetValue(verdict)!),
                r.GetValue(opinion) is { } file ? TxArguments.FileHash(file, "--opinion", context.NetworkHash) : [],
                r.GetValue(summary))));
    }

    private static TxKind StartPublicNotice()
    {
        var subject = Subject();
        return new(Kind.StartPublicNotice, "start the public notice of a reviewed subject, §10 (OPERATOR)", [subject], (r, _) => new(
            Transactions.StartPublicNotice(r.GetValue(subject)!)));
    }

    private static TxKind FileObjection()
    {
        var subject = Subject();
        var text = Text("--text", "the objection");
        var onBehalfOf = Optional("--on-behalf-of", "OPERATOR only: its reference for the member of the public (no personal data)", "REF");
        return new(Kind.FileObjection, "object during a public notice (any participant; OPERATOR for the public)", [subject, text, onBehalfOf], (r, _) => new(
            Transactions.FileObjection(r.GetValue(subject)!, r.GetValue(text)!, r.GetValue(onBehalfOf))));
    }

    private static TxKind AnswerObjection()
    {
        var subject = Subject();
        var number = Number("--objection", "the objection's number (1, 2, ...)");
        var answer = Text("--answer", "the bureau's answer");
        return new(Kind.AnswerObjection, "answer an objection (BUREAU)", [subject, number, answer], (r, _) => new(
            Transactions.AnswerObjection(r.GetValue(subject)!, r.GetValue(number), r.GetValue(answer)!)));
    }

    private static TxKind RecordEvaluation()
    {
        var subject = Subject();
        var finding = Text("--finding", "what the tracking evaluation found");
        var deadline = Text("--deadline", "the last day to rectify (China Standard Time)", "yyyy-MM-dd");
        return new(Kind.RecordEvaluation, "record a tracking evaluation's finding, §11 (OPERATOR or BUREAU)", [subject, finding, deadline], (r, _) => new(
            Transactions.RecordEvaluation(r.GetValue(subject)!, r.GetValue(finding)!, TxArguments.Date(r.GetValue(deadline)!, "--deadline"))));
    }

    private static TxKind RecordRectification()
    {
        var subject = Subject();
        var number = Number("--evaluation", "the evaluation's number (1, 2, ...)");
        var description = Text("--description", "what was rectified");
        return new(Kind.RecordRectification, "record the rectification of an evaluation, §11 (the subject's applicant)", [subject, number, description], (r, _) => new(
            Transactions.RecordRectification(r.GetValue(subject)!, r.GetValue(number), r.GetValue(description)!)));
    }

    private static TxKind Suspend()
    {
        var subject = Subject();
        var number = Number("--evaluation", "the evaluation not rectified by its deadline");
        var reason = Text("--reason", "why");
        return new(Kind.Suspend, "suspend an approved subject not rectified in time, §11 (BUREAU)", [subject, number, reason], (r, _) => new(
            Transactions.Suspend(r.GetValue(subject)!, r.GetValue(number), r.GetValue(reason)!)));
    }

    private static TxKind Reinstate()
    {
        var subject = Subject();
        return new(Kind.Reinstate, "reinstate a suspended subject whose evaluations are rectified (BUREAU)", [subject], (r, _) => new(
            Transactions.Reinstate(r.GetValue(subject)!)));
    }

    private static TxKind SetCalendar()
    {
        var year = new Option<int>("--year") { Description = "the year", Required = true, HelpName = "YYYY" };
        var holidays = Many("--holiday", "an official holiday (repeatable or comma-separated)", "yyyy-MM-dd");
        var worked = Many("--working-day", "a weekend day worked instead, 调休 (repeatable or comma-separated)", "yyyy-MM-dd");
        return new(Kind.SetCalendar, "file a year's working-day calendar (BUREAU)", [year, holidays, worked], (r, _) => new(
            Transactions.SetCalendar(
                r.GetValue(year),
                Split(r.GetValue(holidays)).Select(d => TxArguments.Date(d, "--holiday")),
                Split(r.GetValue(worked)).Select(d => TxArguments.Date(d, "--working-day")))));
    }

    private static TxKind AddExclusion()
    {
        var registry = Id("--registry", "the other mechanism: CCER, VCS, GS or another");
        var external = Id("--external-id", "the project's id there");
        var project = Optional("--project", "the local project or scenario id, if known", "ID");
        var note = Optional("--note", "a note", "TEXT");
        return new(Kind.AddExclusion, "record a project registered elsewhere, §17 (BUREAU)", [registry, external, project, note], (r, _) => new(
            Transactions.AddExclusion(r.GetValue(registry)!, r.GetValue(external)!, r.GetValue(project), r.GetValue(note))));
    }

    private static TxKind DeclareExternalRegistration()
    {
        var subject = Subject();
        var external = Id("--external-registry-id", "its id in the other registry");
        return new(Kind.DeclareExternalRegistration, "declare a registration elsewhere before any issuance here, §17 (the applicant)", [subject, external], (r, _) => new(
            Transactions.DeclareExternalRegistration(r.GetValue(subject)!, r.GetValue(external)!)));
    }

    private static TxKind WithdrawMethodology()
    {
        var methodology = Id("--methodology", "the ACTIVE methodology");
        var reason = Text("--reason", "why");
        return new(Kind.WithdrawMethodology, "withdraw a methodology, §6 (BUREAU)", [methodology, reason], (r, _) => new(
            Transactions.WithdrawMethodology(r.GetValue(methodology)!, r.GetValue(reason)!)));
    }

    private static TxKind GrantMethodologyException()
    {
        var subject = Subject();
        var methodology = Id("--methodology", "the lower-level methodology the subject may use");
        var reason = Text("--reason", "why");
        return new(Kind.GrantMethodologyException, "let a subject use a lower-level methodology, §5 (BUREAU)", [subject, methodology, reason], (r, _) => new(
            Transactions.GrantMethodologyException(r.GetValue(subject)!, r.GetValue(methodology)!, r.GetValue(reason)!)));
    }

    private static Option<string> Subject() => Id("--subject", "the project's or scenario's id");

    private static Option<uint> Number(string name, string description) => new(name) { Description = description, Required = true, HelpName = "N" };

    private static bool Verdict(string text) => text.ToLower(CultureInfo.InvariantCulture) switch
    {
        "favourable" or "favorable" or "yes" => true,
        "unfavourable" or "unfavorable" or "no" => false,
        _ => throw new TxUsageException($"--verdict must be favourable or unfavourable, not '{text}'"),
    };
}
