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
        var own = rules.ReportedByEvse ? " by the charger's own 2030.5 client" : "";
        return rules.Integration switch
        {
            GridIntegration.NotBound => "Not connected to the grid layer.",
            GridIntegration.RulesMissing when rules.ReportedByEvse => $"Sent {server} to the charger: waiting for its own 2030.5 client to register and report.",
            GridIntegration.RulesMissing => $"Connecting to {server}…",
            GridIntegration.NotRegistered => $"Not registered with {server}{own}. {rules.IntegrationDetail}",
            GridIntegration.Stale => $"Not grid-integrated: {rules.IntegrationDetail}",
            GridIntegration.Failed => $"Not grid-integrated: {rules.IntegrationDetail}",
            _ => $"Registered with {server}{Sfdi(rules)}{own}. Now: {Now(rules, zone)}.",
        };
    }

    /// <summary>
    /// What the rules in force do, in a few words, each function with the end of the event that sets it ("export
    /// limited to 50 % until 18:00, volt-var curve in force until 18:30"); a function from a default control has no end.
    /// </summary>
    public static string Now(GridRules rules, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var f = rules.Functions;
        var parts = new List<string>();
        void Part(string text, params string[] functions)
        {
            var source = functions.Select(rules.SourceOf).FirstOrDefault(s => s is not null);
            parts.Add(source is { IsDefault: false, End: { } end } ? $"{text} until {Clock(end, zone)}" : text);
        }

        if (f.Energize == false)
        {
            Part("cease to energize — no discharge", "opModEnergize");
        }

        if (f.Connect == false)
        {
            Part("disconnected from the grid", "opModConnect");
        }

        if (f.MaxLimitPercent is { } percent)
        {
            Part(percent <= 0 ? "export not allowed" : $"export limited to {Number(percent)} %", "opModMaxLimW");
        }

        if (f.VoltWatt is not null)
        {
            Part("volt-watt curve in force", "opModVoltWatt");
        }

        if (f.FrequencyWatt is not null || f.FrequencyDroop is not null)
        {
            Part("frequency-watt in force", "opModFreqWatt", "opModFreqDroop");
        }

        if (f.VoltVar is not null)
        {
            Part("volt-var curve in force", "opModVoltVar");
        }

        if (f.FixedPowerFactorInject is { } pf)
        {
            Part($"power factor {pf.PowerFactor.ToString("0.00", CultureInfo.InvariantCulture)}", "opModFixedPFInjectW");
        }

        if (f.FixedVar is { } fixedVar)
        {
            Part($"reactive power {Number(fixedVar.Percent)} %", "opModFixedVar");
        }

        if (f.WattVar is not null || f.WattPowerFactor is not null)
        {
            Part("watt-var curve in force", "opModWattVar", "opModWattPF");
        }

        if (f.HighVoltageMustTrip is not null || f.LowVoltageMustTrip is not null || f.HighFrequencyMustTrip is not null || f.LowFrequencyMustTrip is not null)
        {
            Part("trip settings from the utility", "opModHVRTMustTrip", "opModLVRTMustTrip", "opModHFRTMustTrip", "opModLFRTMustTrip");
        }

        var text = parts.Count == 0 ? "no limits from the grid" : string.Join(", ", parts);
        if (rules.Controls.FirstOrDefault(c => !c.IsDefault && c.RandomizedStart != TimeSpan.Zero) is { } randomized)
        {
            text += $" (this charger's start was moved by {Number(randomized.RandomizedStart.TotalSeconds)} s, as the utility's randomization asks)";
        }

        return text;
    }

    public static string Clock(DateTimeOffset instant, TimeZoneInfo zone) => Presentation.Clock.Time(instant, zone);

    private static string Number(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Sfdi(GridRules rules) =>
        rules.Sfdi is { } sfdi ? $" (SFDI {new DeviceIdentity("", sfdi).SfdiDisplay})" : "";
}
