using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Data;

internal static class ModelBuilderExtensions
{
    /// <summary>Each DbContext takes the entity configurations of its own folder only, so the layers' models never mix.</summary>
    public static ModelBuilder ApplyConfigurationsFromNamespace(this ModelBuilder builder, string ns) =>
        builder.ApplyConfigurationsFromAssembly(typeof(ModelBuilderExtensions).Assembly, t => t.Namespace == ns);
}
