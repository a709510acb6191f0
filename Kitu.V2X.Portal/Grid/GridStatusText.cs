using System.Globalization;
using Kitu.V2X.Portal.Domain.GridSecurity;

namespace Kitu.V2X.Portal.Grid;

/// <summary>Grid rules in plain words for owners and drivers, with times in the site's time zone.</summary>
public static class GridStatusText
{
    /// <summary>One line, e.g. "Registered with Sandbox Utility (SFDI 1672-6121-1391). Now: export limited to 50 % until 18:00."</summary>
    public static string Describe(GridRules rules, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var server = rules.ServerName ?? "the grid server";
        return rules.Integration switch
        {
            GridIntegration.NotBound => "Not connected to the grid layer.",
            GridIntegration.RulesMissing => $"Connecting to {server}…",
            GridIntegration.NotRegistered => $"Not registered with {server}. {rules.IntegrationDetail}",
            GridIntegration.Stale => $"Not grid-integrated: {rules.IntegrationDetail}",
            GridIntegration.Failed => $"Not grid-integrated: {rules.IntegrationDetail}",
            _ => $"Registered with {server}{Sfdi(rules)}. Now: {Now(rules, zone)}.",
        };
    }

    /// <summary>What the rules in force do, in a few words ("export limited to 50 % until 18:00").</summary>
    public static string Now(GridRules rules, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var f = rules.Functions;
        var parts = new List<string>();
        if (f.Energize == false)
        {
            parts.Add("cease to energize — no discharge");
        }

        if (f.Connect == false)
        {
            parts.Add("disconnected from the grid");
        }

        if (f.MaxLimitPercent is { } percent)
        {
            parts.Add(percent <= 0 ? "export not allowed" : $"export limited to {percent.ToString("0.#", CultureInfo.InvariantCulture)} %");
        }

        if (f.VoltVar is not null)
        {
            parts.Add("volt-var curve in force");
        }

        if (f.VoltWatt is not null)
        {
            parts.Add("volt-watt curve in force");
        }

        if (f.FixedPowerFactorInject is { } pf)
        {
            parts.Add($"power factor {pf.PowerFactor.ToString("0.00", CultureInfo.InvariantCulture)}");
        }

        var text = parts.Count == 0 ? "no limits from the grid" : string.Join(", ", parts);
        if (parts.Count > 0 && rules.ActiveControl is { } active)
        {
            text += $" until {Clock(active.End, zone)}";
        }

        return text;
    }

    public static string Clock(DateTimeOffset instant, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(instant, zone).ToString("HH:mm", CultureInfo.InvariantCulture);

    private static string Sfdi(GridRules rules) =>
        rules.Sfdi is { } sfdi ? $" (SFDI {new DeviceIdentity("", sfdi).SfdiDisplay})" : "";
}
