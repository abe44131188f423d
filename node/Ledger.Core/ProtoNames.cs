using Google.Protobuf.Reflection;
using Ledger.Core.Protocol;

namespace Ledger.Core;

/// <summary>
/// Enum values as the proto names them (PROJECT_STATUS_APPROVED), never as C# does (Approved):
/// anything hashed into a receipt must be reproducible from the protos alone.
/// </summary>
public static class ProtoNames
{
    private static readonly EnumDescriptor ProjectStatusDescriptor = TypesReflection.Descriptor.EnumTypes.Single(e => e.Name == "ProjectStatus");

    private static readonly EnumDescriptor RoleDescriptor = TypesReflection.Descriptor.EnumTypes.Single(e => e.Name == "Role");

    private static readonly EnumDescriptor RejectionCodeDescriptor = RejectionsReflection.Descriptor.EnumTypes.Single(e => e.Name == "RejectionCode");

    public static string Of(ProjectStatus status) => Name(ProjectStatusDescriptor, (int)status);

    /// <summary>ROLE_BUREAU, as the proto names it.</summary>
    public static string Of(Role role) => Name(RoleDescriptor, (int)role);

    /// <summary>REJECTION_CODE_UNAUTHORIZED_ROLE, as clients and auditors read it in the proto.</summary>
    public static string Of(RejectionCode code) => Name(RejectionCodeDescriptor, (int)code);

    private static string Name(EnumDescriptor descriptor, int number) =>
        descriptor.FindValueByNumber(number)?.Name ?? number.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
