using System.Reflection;
using Ledger.Core.State;

namespace Ledger.Core.Tests.Protocol;

/// <summary>Every state table has its own name for messages about a key (ledger verify's state comparison).</summary>
public sealed class StateTableNameTests
{
    [Fact]
    public void Every_table_constant_has_a_distinct_name()
    {
        var tables = typeof(StateKeys).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(byte))
            .Select(f => (byte)f.GetRawConstantValue()!)
            .ToList();
        var names = tables.Select(StateKeys.TableName).ToList();

        Assert.True(tables.Count >= 28, $"{tables.Count} tables");
        Assert.DoesNotContain(names, n => n.StartsWith("table 0x", StringComparison.Ordinal));
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal("table 0x7f", StateKeys.TableName(0x7f));
    }
}
