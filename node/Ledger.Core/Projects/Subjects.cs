using Ledger.Core.Execution;
using Ledger.Core.Protocol;

namespace Ledger.Core.Projects;

/// <summary>Look-ups the lifecycle handlers share: a project or scenario by id, named in the message by its kind.</summary>
internal static class Subjects
{
    public const string IdRule = "must be 1-64 characters of A-Z a-z 0-9 . _ : -";

    /// <summary>The subject, or the refusal for a malformed or unknown id.</summary>
    public static (ProjectRecord? Subject, Outcome? Refused) Find(TransactionContext ctx, string subjectId, string field = "subject_id")
    {
        if (!Limits.IsValidId(subjectId))
        {
            return (null, Outcome.Reject(RejectionCode.InvalidField, $"{field} {IdRule}"));
        }

        var subject = ctx.State.GetProject(subjectId);
        return subject is null
            ? (null, Outcome.Reject(RejectionCode.UnknownProject, $"no project or scenario {subjectId} exists"))
            : (subject, null);
    }

    /// <summary>"project P-1" or "scenario S-1", for messages.</summary>
    public static string Name(ProjectRecord subject) =>
        (subject.Kind == SubjectKind.Scenario ? "scenario " : "project ") + subject.ProjectId;

    public static Outcome WrongStatus(ProjectRecord subject, string needed) =>
        Outcome.Reject(RejectionCode.InvalidStatusTransition, $"{Name(subject)} is {ProtoNames.Of(subject.Status)}; {needed}");

    /// <summary>Records a change of status at this height.</summary>
    public static ProjectRecord WithStatus(TransactionContext ctx, ProjectRecord subject, ProjectStatus status)
    {
        var updated = subject.Clone();
        updated.Status = status;
        updated.StatusHeight = ctx.Block.Height;
        return updated;
    }

    public static Outcome StatusCommitted(ProjectRecord subject) =>
        Outcome.Committed(("project_id", subject.ProjectId), ("status", ProtoNames.Of(subject.Status)));
}
