using System.Globalization;
using Ledger.Core.Execution;
using Ledger.Core.Protocol;

namespace Ledger.Core.Projects;

/// <summary>
/// SubmitReview, StartPublicNotice, FileObjection, AnswerObjection (§10): the expert review and the
/// public notice that come before a project's or scenario's approval.
/// </summary>
public static class ReviewHandler
{
    public const int OpinionHashBytes = 32;

    public static Outcome SubmitReview(TransactionContext ctx, SubmitReview tx)
    {
        if (ctx.RequireSignerRole(Role.Expert, "give a review opinion") is { } unauthorized)
        {
            return unauthorized;
        }

        if (tx.OpinionHash.Length is not (0 or OpinionHashBytes) || !Limits.IsValidText(tx.Summary, Limits.TextLengthMax, required: false) || (tx.OpinionHash.Length == 0 && tx.Summary.Length == 0))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"an opinion needs opinion_hash ({OpinionHashBytes} bytes) or a summary (at most {Limits.TextLengthMax} characters), or both");
        }

        var (subject, refused) = Subjects.Find(ctx, tx.SubjectId);
        if (refused is { } notFound)
        {
            return notFound;
        }

        if (subject!.Status is not (ProjectStatus.Applied or ProjectStatus.UnderReview))
        {
            return Subjects.WrongStatus(subject, "opinions are given while it is APPLIED or UNDER_REVIEW");
        }

        var expert = ctx.Signer.ParticipantId;
        if (expert == subject.Applicant)
        {
            return Outcome.Reject(RejectionCode.UnauthorizedRole, $"{expert} applied for {Subjects.Name(subject)} and cannot review it");
        }

        if (subject.Opinions.Any(o => o.ExpertId == expert))
        {
            return Outcome.Reject(RejectionCode.ReviewAlreadySubmitted, $"{expert} has already given an opinion on {Subjects.Name(subject)}");
        }

        if (subject.Opinions.Count >= Limits.OpinionsPerSubjectMax)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"{Subjects.Name(subject)} already has the maximum of {Limits.OpinionsPerSubjectMax} opinions");
        }

        var updated = subject.Status == ProjectStatus.Applied ? Subjects.WithStatus(ctx, subject, ProjectStatus.UnderReview) : subject.Clone();
        updated.Opinions.Add(new ReviewOpinion { ExpertId = expert, Favourable = tx.Favourable, OpinionHash = tx.OpinionHash, Summary = tx.Summary, Height = ctx.Block.Height });
        ctx.State.PutProject(updated);
        return Subjects.StatusCommitted(updated);
    }

    public static Outcome StartPublicNotice(TransactionContext ctx, StartPublicNotice tx)
    {
        if (ctx.RequireSignerRole(Role.Operator, "start a public notice") is { } unauthorized)
        {
            return unauthorized;
        }

        var (subject, refused) = Subjects.Find(ctx, tx.SubjectId);
        if (refused is { } notFound)
        {
            return notFound;
        }

        if (subject!.Status is not (ProjectStatus.Applied or ProjectStatus.UnderReview))
        {
            return Subjects.WrongStatus(subject, "a public notice follows the review of an APPLIED or UNDER_REVIEW one");
        }

        if (!Lifecycle.ReviewComplete(subject, ctx.Rules))
        {
            var favourable = subject.Opinions.Count(o => o.Favourable);
            return Outcome.Reject(RejectionCode.ReviewIncomplete, $"§10: {Subjects.Name(subject)} has {subject.Opinions.Count} opinion(s), {favourable} favourable; the notice needs {ctx.Rules.ReviewOpinionsRequired} with a favourable majority");
        }

        var updated = Subjects.WithStatus(ctx, subject, ProjectStatus.PublicNotice);
        updated.NoticeStartedMs = ctx.Block.TimeMs;
        updated.NoticeStartedHeight = ctx.Block.Height;
        ctx.State.PutProject(updated);
        return Subjects.StatusCommitted(updated);
    }

    public static Outcome FileObjection(TransactionContext ctx, FileObjection tx)
    {
        if (!Limits.IsValidText(tx.Text, Limits.TextLengthMax, required: true) || !Limits.IsValidText(tx.OnBehalfOf, Limits.NameLengthMax, required: false))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"text is required (at most {Limits.TextLengthMax} characters); on_behalf_of is at most {Limits.NameLengthMax}");
        }

        if (tx.OnBehalfOf.Length > 0 && ctx.RequireSignerRole(Role.Operator, "file an objection on behalf of a member of the public") is { } unauthorized)
        {
            return unauthorized;
        }

        var (subject, refused) = Subjects.Find(ctx, tx.SubjectId);
        if (refused is { } notFound)
        {
            return notFound;
        }

        if (subject!.Status != ProjectStatus.PublicNotice)
        {
            return Outcome.Reject(RejectionCode.NoticeNotOpen, $"{Subjects.Name(subject)} is {ProtoNames.Of(subject.Status)}; objections are filed during its public notice");
        }

        if (subject.ObjectionsFiled >= Limits.ObjectionsPerSubjectMax)
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"{Subjects.Name(subject)} already has the maximum of {Limits.ObjectionsPerSubjectMax} objections");
        }

        var updated = subject.Clone();
        updated.ObjectionsFiled++;
        updated.ObjectionsUnanswered++;
        ctx.State.PutObjection(new ObjectionRecord
        {
            SubjectId = subject.ProjectId,
            Number = updated.ObjectionsFiled,
            FiledBy = ctx.Signer.ParticipantId,
            OnBehalfOf = tx.OnBehalfOf,
            Text = tx.Text,
            FiledHeight = ctx.Block.Height,
        });
        ctx.State.PutProject(updated);
        return Outcome.Committed(("project_id", subject.ProjectId), ("objection_number", updated.ObjectionsFiled.ToString(CultureInfo.InvariantCulture)));
    }

    public static Outcome AnswerObjection(TransactionContext ctx, AnswerObjection tx)
    {
        if (ctx.RequireSignerRole(Role.Bureau, "answer an objection") is { } unauthorized)
        {
            return unauthorized;
        }

        if (!Limits.IsValidText(tx.Answer, Limits.TextLengthMax, required: true))
        {
            return Outcome.Reject(RejectionCode.InvalidField, $"answer is required, at most {Limits.TextLengthMax} characters");
        }

        var (subject, refused) = Subjects.Find(ctx, tx.SubjectId);
        if (refused is { } notFound)
        {
            return notFound;
        }

        var objection = ctx.State.GetObjection(subject!.ProjectId, tx.ObjectionNumber);
        if (objection is null)
        {
            return Outcome.Reject(RejectionCode.UnknownObjection, $"{Subjects.Name(subject)} has no objection {tx.ObjectionNumber} ({subject.ObjectionsFiled} filed)");
        }

        if (objection.Answered)
        {
            return Outcome.Reject(RejectionCode.ObjectionAlreadyAnswered, $"objection {tx.ObjectionNumber} to {Subjects.Name(subject)} was answered at height {objection.AnsweredHeight}");
        }

        var answered = objection.Clone();
        answered.Answered = true;
        answered.AnsweredBy = ctx.Signer.ParticipantId;
        answered.Answer = tx.Answer;
        answered.AnsweredHeight = ctx.Block.Height;
        ctx.State.PutObjection(answered);
        var updated = subject.Clone();
        Invariant.Require(updated.ObjectionsUnanswered > 0, "an unanswered objection is counted");
        updated.ObjectionsUnanswered--;
        ctx.State.PutProject(updated);
        return Outcome.Committed(("project_id", subject.ProjectId), ("objection_number", tx.ObjectionNumber.ToString(CultureInfo.InvariantCulture)));
    }
}
