namespace Kitu.V2X.Portal.Tests.Domain.GridSecurity;

/// <summary>The project's own 2030.5 fixture documents (Fixtures/, copied beside the tests).</summary>
internal static class Fixture
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Domain", "GridSecurity", "Fixtures", name);

    public static Stream Open(string name) => File.OpenRead(Path(name));

    public static byte[] Bytes(string name) => File.ReadAllBytes(Path(name));
}
