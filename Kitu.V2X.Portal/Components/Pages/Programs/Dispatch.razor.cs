using Kitu.V2X.Portal.Components.Shared;
using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Programs;
using Microsoft.AspNetCore.Components;

namespace Kitu.V2X.Portal.Components.Pages.Programs;

/// <summary>
/// The operator's Dispatch page: each program in a <see cref="ProgramPanel"/> (dispatch now or later through the same
/// use case as the API, the live monitor of its latest event, its past events), a new program, API keys. It watches
/// only the operator's programs, and redraws the chart every few seconds while an event is in force.
/// </summary>
public sealed partial class Dispatch
{
    private readonly Dictionary<Guid, EventReport> reports = [];
    private readonly Dictionary<Guid, IReadOnlyList<EventReport>> past = [];
    private IReadOnlyList<OperatorProgram>? programs;
    private Timer? chartTimer;

    [Inject]
    private EventPowerSeries PowerSeries { get; set; } = default!;

    [Inject]
    private MudBlazor.IDialogService Dialogs { get; set; } = default!;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            chartTimer?.Dispose();
        }

        base.Dispose(disposing);
    }

    protected override async Task OnInitializedAsync()
    {
        await SignedInAsync();
        await RefreshAsync(full: true);
        chartTimer = new Timer(_ => _ = InvokeAsync(() =>
        {
            // The chart moves with time even when no command changes: redraw while an event is in force.
            if (programs?.Any(p => p.LatestEvent is { CancelledAt: null } e && e.Start <= DateTimeOffset.UtcNow && e.End > DateTimeOffset.UtcNow.AddSeconds(-10)) == true)
            {
                StateHasChanged();
            }
        }), null, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3));
    }

    /// <summary>The operator's programs, each one's latest event with its results and its past events; then watches those programs.</summary>
    protected override async Task RefreshAsync(bool full)
    {
        var loaded = await Use<ProgramDispatch, IReadOnlyList<OperatorProgram>>((s, ct) => s.ProgramsAsync(UserId, ct));
        foreach (var program in loaded)
        {
            if (program.LatestEvent is { } latest && await Use<ProgramDispatch, EventReport?>((s, ct) => s.ReportAsync(UserId, latest.Id, ct)) is { } report)
            {
                reports[latest.Id] = report;
            }

            past[program.Id] = await Use<ProgramDispatch, IReadOnlyList<EventReport>>((s, ct) => s.PastAsync(UserId, program.Id, ct));
        }

        programs = loaded;
        var scope = new ChangeScope();
        foreach (var program in loaded)
        {
            scope.Add(program: program.Id);
        }

        Watch(scope, []);
    }

    private async Task<DispatchResult> DispatchAsync(OperatorProgram program, DispatchFormModel form, WhenInForce whenInForce)
    {
        var result = await Use<ProgramDispatch, DispatchResult>((s, ct) => s.DispatchAsync(UserId, program.Id, form, ct, whenInForce));
        await RefreshAsync(full: true);
        return result;
    }

    private async Task CancelAsync(OperatorProgram program)
    {
        if (program.LatestEvent is not { } latest
            || !await Dialogs.ConfirmAsync($"Cancel the event of {program.Name}?", $"Every car discharging for {program.Name} now stops, and no car joins it any more.", "Cancel the event"))
        {
            return;
        }

        await Use<ProgramDispatch>((s, ct) => s.CancelAsync(UserId, latest.Id, ct));
        await RefreshAsync(full: true);
    }

    private async Task RetireAsync(OperatorProgram program)
    {
        if (await Dialogs.ConfirmAsync($"Retire {program.Name}?", $"Drivers can no longer enroll in {program.Name} and no new event of it can be dispatched; an event in force runs to its end.", "Retire the program"))
        {
            await StatusAsync(program.Id, ProgramStatus.Retired);
        }
    }

    private async Task<IReadOnlyList<string>> CreateProgramAsync(ProgramFormModel model)
    {
        var errors = await Use<ProgramDispatch, IReadOnlyList<string>>((s, ct) => s.CreateProgramAsync(UserId, model, ct));
        if (errors.Count == 0)
        {
            await RefreshAsync(full: true);
            StateHasChanged();
        }

        return errors;
    }

    private async Task StatusAsync(Guid programId, ProgramStatus status)
    {
        await Use<ProgramDispatch>((s, ct) => s.SetStatusAsync(UserId, programId, status, ct));
        await RefreshAsync(full: true);
    }
}
