using System.ComponentModel.DataAnnotations;
using Kitu.V2X.Portal.Accounts;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Microsoft.AspNetCore.Components;

namespace Kitu.V2X.Portal.Components.Pages.Admin;

public sealed partial class Accounts
{
    private readonly NewAccount form = new();
    private IReadOnlyList<AccountAdministration.AccountRow>? accounts;
    private IReadOnlyList<string> errors = [];
    private (string Email, string Password)? created;
    private bool busy;
    private IReadOnlyList<ProgramOperator> operators = [];
    private string operatorName = "";
    private OperatorKind operatorKind = OperatorKind.Utility;
    private string? operatorError;
    private string operatorMakes = "";

    [Inject] private AccountAdministration Administration { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        accounts = await Administration.ListPrivilegedAsync(CancellationToken.None);
        operators = await Administration.OperatorsAsync(CancellationToken.None);
    }

    private async Task CreateOperatorAsync()
    {
        operatorError = await Administration.CreateOperatorAsync(operatorName, operatorKind, CancellationToken.None, operatorKind == OperatorKind.Oem ? operatorMakes : null);
        if (operatorError is null)
        {
            operatorName = "";
            operatorMakes = "";
            operators = await Administration.OperatorsAsync(CancellationToken.None);
        }
    }

    private async Task CreateAsync()
    {
        busy = true;
        errors = [];
        created = null;
        try
        {
            var result = await Administration.CreateAsync(form.Email, form.DisplayName, form.Role, CancellationToken.None, form.OperatorId);
            if (result.Succeeded)
            {
                created = (form.Email.Trim(), result.InitialPassword!);
                form.Email = "";
                form.DisplayName = null;
                accounts = await Administration.ListPrivilegedAsync(CancellationToken.None);
            }
            else
            {
                errors = result.Errors;
            }
        }
        finally
        {
            busy = false;
        }
    }

    private sealed class NewAccount
    {
        [Required(ErrorMessage = "Enter the person's email address.")]
        [EmailAddress(ErrorMessage = "That does not look like an email address.")]
        [StringLength(256)]
        public string Email { get; set; } = "";

        [StringLength(100)]
        public string? DisplayName { get; set; }

        [Required]
        public string Role { get; set; } = PortalRoles.ProgramOperator;

        public Guid? OperatorId { get; set; }
    }
}
