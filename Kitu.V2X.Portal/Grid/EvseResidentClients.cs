using System.Collections.Concurrent;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547;

namespace Kitu.V2X.Portal.Grid;

/// <summary>The approved server an EVSE-resident 2030.5 client is told to use (its owner's bind switch).</summary>
public sealed record ResidentServer(string ServerName, string DeviceCapabilityUrl, string TrustAnchorPem, uint? RegistrationPin, int MinimumPollSeconds);

/// <summary>What an EVSE that runs its own 2030.5 client reports: its identity, its state with the server, the rules in force.</summary>
public sealed record ResidentReport(
    string Lfdi,
    ulong Sfdi,
    GridIntegration Integration,
    string? Detail,
    uint PollRateSeconds,
    DateTimeOffset? LastContact,
    DateTimeOffset? ValidUntil,
    Ieee1547Functions? Functions,
    IReadOnlyList<GridControlInForce>? Controls,
    ActiveGridControl? ActiveControl,
    IReadOnlyList<string>? Warnings);

/// <summary>
/// EVSEs bound with their own 2030.5 client (seed §3.2.4.1): the portal holds no key and runs no session for them.
/// It tells each the server its owner chose (over the EVSE's link, by whoever carries it), takes the rules each
/// reports after checking them, and judges freshness itself: silence past twice the pollRate, or past what the EVSE
/// said its rules are good for, is "not grid-integrated" — so the mediator stops discharge there as for any EVSE.
/// </summary>
public sealed class EvseResidentClients(Action<GridRules> publish, GridOptions options, TimeProvider time)
{
    public const int MaxTextLength = 500;
    public const int MaxControls = 32;
    public const int MaxWarnings = 10;

    private readonly ConcurrentDictionary<Guid, Entry> entries = new();

    /// <summary>The server an EVSE is to use changed (bound, re-bound, unbound): tell it over its link.</summary>
    public event Action<Guid>? ServerChanged;

    public int Count => entries.Count;

    public bool IsResident(Guid evseId) => entries.ContainsKey(evseId);

    /// <summary>Takes an EVSE bound with its own client; after a restart, with the rules it reported before, until their validity.</summary>
    public void Start(GridBinding binding, ApprovedServer server, GridRules? restored = null)
    {
        ArgumentNullException.ThrowIfNull(binding);
        ArgumentNullException.ThrowIfNull(server);
        var now = time.GetUtcNow();
        var rules = restored is { } r && r.ValidUntil > now
            ? r with { ServerName = server.Name, ReportedByEvse = true }
            : Waiting(binding, server);
        entries[binding.EvseId] = new Entry(binding, server, rules);
        publish(rules);
        ServerChanged?.Invoke(binding.EvseId);
    }

    public void Stop(Guid evseId)
    {
        if (entries.TryRemove(evseId, out _))
        {
            ServerChanged?.Invoke(evseId);
        }
    }

    /// <summary>The server the EVSE is to use, or null when it is not bound (its client should stop).</summary>
    public ResidentServer? ServerFor(Guid evseId) =>
        entries.TryGetValue(evseId, out var e)
            ? new ResidentServer(e.Server.Name, e.Server.DeviceCapabilityUrl, e.Server.TrustAnchorPem, e.Binding.RegistrationPin, options.MinimumPollSeconds)
            : null;

    /// <summary>Takes a report; returns why it was refused, or null.</summary>
    public string? Report(Guid evseId, ResidentReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!entries.TryGetValue(evseId, out var entry))
        {
            return "This charger is not bound to a grid server with its own 2030.5 client.";
        }

        if (!DeviceIdentity.SameLfdi(report.Lfdi, entry.Binding.Lfdi) || report.Sfdi != entry.Binding.Sfdi)
        {
            return $"The report names another device (LFDI {Short(report.Lfdi)}); this charger was bound as LFDI {Short(entry.Binding.Lfdi)}.";
        }

        if (Problem(report) is { } problem)
        {
            return problem;
        }

        var now = time.GetUtcNow();
        var poll = TimeSpan.FromSeconds(Math.Clamp(report.PollRateSeconds, (uint)Math.Max(1, options.MinimumPollSeconds), 86_400u));
        var silence = now + (2 * poll);
        var validUntil = report.ValidUntil is { } until && until < silence ? until : silence;
        var integrated = report.Integration == GridIntegration.Integrated;
        var rules = new GridRules
        {
            EvseId = evseId,
            Integration = report.Integration,
            IntegrationDetail = integrated ? null : report.Detail,
            Functions = report.Functions ?? Ieee1547Functions.None,
            ExportLimitW = report.Functions?.MaxLimitPercent is { } percent ? entry.Binding.RatedDischargeW * percent / 100 : null,
            Sfdi = entry.Binding.Sfdi,
            ServerName = entry.Server.Name,
            LastContact = report.LastContact is { } contact && contact <= now ? contact : now,
            ValidUntil = integrated ? validUntil : now,
            ActiveControl = report.ActiveControl,
            Controls = report.Controls ?? [],
            Warnings = report.Warnings ?? [],
            ReportedByEvse = true,
        };
        entries[evseId] = entry with { Rules = rules };
        publish(rules);
        return null;
    }

    /// <summary>Rules past their validity (the EVSE fell silent, or its client lost its server) become stale.</summary>
    public void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (id, entry) in entries)
        {
            if (entry.Rules.Integration == GridIntegration.Integrated && now >= entry.Rules.ValidUntil)
            {
                var stale = entry.Rules with
                {
                    Integration = GridIntegration.Stale,
                    IntegrationDetail = "the charger's own 2030.5 client has not reported rules in time; no discharge until it does.",
                };
                entries[id] = entry with { Rules = stale };
                publish(stale);
            }
        }
    }

    /// <summary>The rules of every resident EVSE still valid, for a restart to go on with.</summary>
    public IEnumerable<GridRules> Valid(DateTimeOffset now) =>
        entries.Values.Select(e => e.Rules).Where(r => r.Integration == GridIntegration.Integrated && r.ValidUntil > now);

    private static GridRules Waiting(GridBinding binding, ApprovedServer server) =>
        GridRules.NotIntegrated(binding.EvseId, GridIntegration.RulesMissing, "waiting for the charger's own 2030.5 client to report") with
        {
            ServerName = server.Name,
            Sfdi = binding.Sfdi,
            ReportedByEvse = true,
        };

    private static string? Problem(ResidentReport report)
    {
        if (!Enum.IsDefined(report.Integration) || report.Integration == GridIntegration.NotBound)
        {
            return "Unknown grid state.";
        }

        if (report.Detail is { Length: > MaxTextLength })
        {
            return $"The detail is at most {MaxTextLength} characters.";
        }

        if (report.Warnings is { } warnings && (warnings.Count > MaxWarnings || warnings.Any(w => w is null or { Length: > MaxTextLength })))
        {
            return $"At most {MaxWarnings} warnings of {MaxTextLength} characters.";
        }

        if (report.Controls is { } controls && (controls.Count > MaxControls || controls.Any(c => c is null || c.MRid is not { Length: > 0 and <= 32 }
            || c.Program is { Length: > 192 } || c.Description is { Length: > 192 } || c.FunctionList is not { Length: <= 1_000 }
            || Math.Abs(c.RandomizedStart.TotalSeconds) > 3_600 || Math.Abs(c.RandomizedDuration.TotalSeconds) > 3_600)))
        {
            return $"At most {MaxControls} controls, each with an mRID of up to 32 characters.";
        }

        if (report.ActiveControl is { } active && (active.MRid is not { Length: > 0 and <= 32 } || active.Program is { Length: > 192 } || active.Description is { Length: > 192 }))
        {
            return "The active control's mRID, program or description is too long.";
        }

        return Ieee1547Limits.Check(report.Functions);
    }

    private static string Short(string? lfdi) => lfdi is { Length: > 12 } ? lfdi[..12] + "…" : lfdi ?? "?";

    private sealed record Entry(GridBinding Binding, ApprovedServer Server, GridRules Rules);
}
