namespace Kitu.V2X.Portal.Data;

/// <summary>Where the portal keeps its data. Bound from the <c>Storage</c> configuration section.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Folder of the SQLite files and the data-protection keys; relative paths are under the content root.</summary>
    public string DataDirectory { get; set; } = "App_Data";
}
