using System.Globalization;

namespace Kitu.V2X.Portal.Presentation;

/// <summary>
/// Times as people read them: in one zone (the site's, the driver's or the program's), always with that zone named —
/// "18:30 PST", "Dec 7, 18:30 UTC+2" — so no row mixes zones and none leaves the reader guessing.
/// </summary>
public static class Clock
{
    /// <summary>The zone's short name at that instant: "UTC", "PST"/"PDT" where the name is the usual three letters, else the offset ("UTC+2", "UTC+5:30").</summary>
    public static string ZoneTag(TimeZoneInfo zone, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var offset = zone.GetUtcOffset(at);
        if (offset == TimeSpan.Zero && (zone.Id is "UTC" or "Etc/UTC" or "Etc/GMT" or "Universal" or "Zulu" || zone == TimeZoneInfo.Utc))
        {
            return "UTC";
        }

        var name = zone.IsDaylightSavingTime(at) ? zone.DaylightName : zone.StandardName;
        var words = name.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words is [var region, "Standard" or "Daylight" or "Mean", "Time"] && char.IsAsciiLetterUpper(region[0]))
        {
            return $"{region[0]}{words[1][0]}T";
        }

        var sign = offset < TimeSpan.Zero ? "−" : "+";
        var abs = offset.Duration();
        return abs.Minutes == 0 ? $"UTC{sign}{abs.Hours}" : $"UTC{sign}{abs.Hours}:{abs.Minutes:00}";
    }

    /// <summary>The zone as a heading says it: "Pacific Time (Los Angeles)", "Coordinated Universal Time".</summary>
    public static string ZoneName(TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var display = zone.DisplayName;
        var close = display.StartsWith("(UTC", StringComparison.Ordinal) ? display.IndexOf(") ", StringComparison.Ordinal) : -1;
        return close > 0 ? display[(close + 2)..] : display.Length > 0 ? display : zone.Id;
    }

    /// <summary>"18:30 PST".</summary>
    public static string Time(DateTimeOffset at, TimeZoneInfo zone) =>
        $"{Local(at, zone).ToString("HH:mm", CultureInfo.InvariantCulture)} {ZoneTag(zone, at)}";

    /// <summary>"Dec 7, 18:30 PST".</summary>
    public static string DateTime(DateTimeOffset at, TimeZoneInfo zone) =>
        $"{Local(at, zone).ToString("MMM d, HH:mm", CultureInfo.InvariantCulture)} {ZoneTag(zone, at)}";

    /// <summary>"Dec 7, 18:00–18:30 PST", or across midnight "Dec 7, 23:30 – Dec 8, 00:30 PST".</summary>
    public static string Span(DateTimeOffset start, DateTimeOffset end, TimeZoneInfo zone)
    {
        var (from, to) = (Local(start, zone), Local(end, zone));
        return from.Date == to.Date
            ? $"{from.ToString("MMM d, HH:mm", CultureInfo.InvariantCulture)}–{to.ToString("HH:mm", CultureInfo.InvariantCulture)} {ZoneTag(zone, end)}"
            : $"{from.ToString("MMM d, HH:mm", CultureInfo.InvariantCulture)} – {to.ToString("MMM d, HH:mm", CultureInfo.InvariantCulture)} {ZoneTag(zone, end)}";
    }

    /// <summary>The instant on the zone's wall clock.</summary>
    public static DateTimeOffset Local(DateTimeOffset at, TimeZoneInfo zone) => TimeZoneInfo.ConvertTime(at, zone);

    /// <summary>A zone by its IANA or Windows id; UTC when the id is unknown here.</summary>
    public static TimeZoneInfo Zone(string? id) =>
        id is { Length: > 0 } && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : TimeZoneInfo.Utc;
}

/// <summary>Money with its currency, as the program that pays it names it (ISO 4217): "$1.25", "€0.40", "12.50 SEK".</summary>
public static class Money
{
    public static string Format(decimal amount, string? currency)
    {
        var code = currency is { Length: 3 } ? currency.ToUpperInvariant() : "USD";
        var value = amount.ToString("0.00", CultureInfo.InvariantCulture);
        var negative = value.StartsWith('-');
        var digits = negative ? value[1..] : value;
        var sign = negative ? "−" : "";
        return code switch
        {
            "USD" or "CAD" or "AUD" or "NZD" => $"{sign}${digits}" + (code == "USD" ? "" : $" {code}"),
            "EUR" => $"{sign}€{digits}",
            "GBP" => $"{sign}£{digits}",
            _ => $"{sign}{digits} {code}",
        };
    }

    /// <summary>A total over amounts that may be in several currencies: "$3.10", or "$3.10 + €0.40"; "$0.00" for none.</summary>
    public static string Total(IEnumerable<(decimal Amount, string Currency)> amounts)
    {
        var byCurrency = amounts.GroupBy(a => a.Currency is { Length: 3 } c ? c.ToUpperInvariant() : "USD").OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        return byCurrency.Count == 0 ? Format(0, "USD") : string.Join(" + ", byCurrency.Select(g => Format(g.Sum(a => a.Amount), g.Key)));
    }

    /// <summary>A rate: "$0.25/kWh", "0.40 SEK/kWh".</summary>
    public static string PerKwh(decimal amount, string? currency) => Format(amount, currency) + "/kWh";
}
