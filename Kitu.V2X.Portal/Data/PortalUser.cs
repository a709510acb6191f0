using Microsoft.AspNetCore.Identity;

namespace Kitu.V2X.Portal.Data;

/// <summary>An account of the portal (consumer side). Its roles say what it may see.</summary>
public sealed class PortalUser : IdentityUser
{
    /// <summary>How the portal greets the person; optional, never sent to the grid layer.</summary>
    [PersonalData]
    public string? DisplayName { get; set; }

    /// <summary>For a program operator's account: the operator (OEM, utility, CPO, third party) it acts for.</summary>
    public Guid? OperatorId { get; set; }
}
