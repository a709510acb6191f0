namespace Kitu.V2X.Portal.Bench;

/// <summary>A driver's stop being watched: when it arrived at the EVSE, and when the portal took the EVSE's answer.</summary>
internal sealed record DriverStop
{
    public TaskCompletionSource<long> Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<long> Acked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Acks and stops, each as latencies from the request (ms); the driver's stops where measured.</summary>
internal sealed record Outcome(Latencies Ack, Latencies Stop)
{
    /// <summary>The driver's stop: from the tap to the portal taking the EVSE's answer (its idle status).</summary>
    public Latencies? DriverStop { get; init; }

    /// <summary>The driver's stop: from the tap to the stop arriving at the EVSE.</summary>
    public Latencies? DriverStopArrival { get; init; }

    /// <summary>The acks of the events after the first, one after the other on the same server.</summary>
    public IReadOnlyList<Latencies> Later { get; init; } = [];
}

/// <summary>Latency figures over a set of samples, in milliseconds.</summary>
internal sealed record Latencies(int Count, double P50, double P95, double P99, double Last)
{
    public static Latencies Of(IEnumerable<double> samples)
    {
        var sorted = samples.Order().ToArray();
        return sorted.Length == 0
            ? new Latencies(0, 0, 0, 0, 0)
            : new Latencies(sorted.Length, At(sorted, 0.50), At(sorted, 0.95), At(sorted, 0.99), sorted[^1]);
    }

    /// <summary>Each figure the median over the rounds (the middle round of three for each); none when there are none.</summary>
    public static Latencies MedianOf(IReadOnlyList<Latencies> rounds)
    {
        if (rounds.Count == 0)
        {
            return new Latencies(0, 0, 0, 0, 0);
        }

        static double Median(IEnumerable<double> values)
        {
            var v = values.Order().ToArray();
            return v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
        }

        return new Latencies(rounds[0].Count, Median(rounds.Select(r => r.P50)), Median(rounds.Select(r => r.P95)), Median(rounds.Select(r => r.P99)), Median(rounds.Select(r => r.Last)));
    }

    private static double At(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}
