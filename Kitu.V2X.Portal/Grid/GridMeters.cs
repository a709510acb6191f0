using System.Diagnostics.Metrics;

namespace Kitu.V2X.Portal.Grid;

/// <summary>
/// The Grid Security Layer's own instruments (meter <c>Kitu.V2X.Portal.Grid</c>): 2030.5 polls per server and how they
/// ended. Tags carry server names only — never an EVSE, a site or a person.
/// </summary>
public static class GridMeters
{
    public const string MeterName = "Kitu.V2X.Portal.Grid";

    private static readonly Meter Meter = new(MeterName);

    /// <summary><c>kitu.grid.polls</c>: 2030.5 polls, tagged <c>server</c> and <c>outcome</c> (<c>ok</c> or <c>failed</c>).</summary>
    private static readonly Counter<long> Polls = Meter.CreateCounter<long>("kitu.grid.polls", "{poll}", "2030.5 polls of the approved servers, by server and outcome");

    public static void Poll(string server, bool succeeded) =>
        Polls.Add(1, new KeyValuePair<string, object?>("server", server), new KeyValuePair<string, object?>("outcome", succeeded ? "ok" : "failed"));
}
