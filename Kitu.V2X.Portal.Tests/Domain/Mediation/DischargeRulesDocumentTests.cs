using System.Text;
using Kitu.V2X.Portal.Domain.Mediation;

namespace Kitu.V2X.Portal.Tests.Domain.Mediation;

/// <summary>
/// docs/discharge-rules.md carries the reason catalogue between two markers; this test keeps it equal to the code.
/// Run with KITU_UPDATE_DOCS=1 to rewrite the table after changing the catalogue.
/// </summary>
public sealed class DischargeRulesDocumentTests
{
    private const string Begin = "<!-- reason-catalogue:begin (generated from ReasonCatalog; see DischargeRulesDocumentTests) -->";
    private const string End = "<!-- reason-catalogue:end -->";

    [Fact]
    public void The_documented_reason_catalogue_matches_the_code()
    {
        var path = Path.Combine(RepositoryRoot(), "docs", "discharge-rules.md");
        var document = File.ReadAllText(path);
        var start = document.IndexOf(Begin, StringComparison.Ordinal);
        var end = document.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"{path} lacks the catalogue markers");

        var current = document[(start + Begin.Length)..end];
        var expected = "\n" + Table();
        if (current != expected && Environment.GetEnvironmentVariable("KITU_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, document[..(start + Begin.Length)] + expected + document[end..]);
            current = expected;
        }

        Assert.Equal(expected, current);
    }

    private static string Table()
    {
        var table = new StringBuilder();
        table.Append("| code | side | meaning |\n|---|---|---|\n");
        foreach (var entry in ReasonCatalog.All)
        {
            table.Append($"| `{entry.Id}` | {entry.Side} | {entry.Meaning.Replace("|", "\\|", StringComparison.Ordinal)} |\n");
        }

        return table.ToString();
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Kitu.V2X.Portal.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root.");
    }
}
