namespace Kitu.V2X.Portal.Domain.ConsumerSupport;

/// <summary>Who runs a discharge program (seed Appendix A.1).</summary>
public enum OperatorKind
{
    Oem,
    Utility,
    Cpo,
    ThirdParty,
}

/// <summary>Where a program's commands are executed (seed Appendix A.2).</summary>
public enum ProgramExecutor
{
    Evse,
    Ev,
}

public enum ProgramStatus
{
    Draft,
    Published,
    Retired,
}

/// <summary>An organisation that runs discharge programs; its operator users belong to it.</summary>
public sealed class ProgramOperator
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public required string Name { get; set; }

    public OperatorKind Kind { get; set; }

    /// <summary>
    /// For an OEM: the vehicle makes its telematics link reaches. Commands of EV-executed programs for a car of one
    /// of these makes travel over this operator's link (seed A.2.2).
    /// </summary>
    public List<string> VehicleMakes { get; set; } = [];

    public bool Reaches(string? make) => make is { Length: > 0 } && VehicleMakes.Contains(make, StringComparer.OrdinalIgnoreCase);
}

/// <summary>A discharge program (Consumer Support Layer, seed §3.2.5.2).</summary>
public sealed class DischargeProgram
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public Guid OperatorId { get; set; }

    public OperatorKind OperatorKind { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    public ProgramExecutor Executor { get; set; }

    /// <summary>A utility emergency program always comes first (seed A.1.1). Only a utility may run one.</summary>
    public bool IsEmergency { get; set; }

    public decimal CompensationPerKwh { get; set; }

    /// <summary>Utilities whose customers may take part; empty = any.</summary>
    public List<string> EligibleUtilities { get; set; } = [];

    /// <summary>Sites whose chargers may take part; empty = any.</summary>
    public List<Guid> EligibleSiteIds { get; set; } = [];

    public double? MaxKwPerVehicle { get; set; }

    public int NoticeMinutes { get; set; }

    public ProgramStatus Status { get; set; } = ProgramStatus.Draft;

    /// <summary>Why a program cannot be saved as is; empty when it can.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Name))
        {
            errors.Add("Give the program a name.");
        }

        if (IsEmergency && OperatorKind != OperatorKind.Utility)
        {
            errors.Add("Only a utility may run an emergency program.");
        }

        if (CompensationPerKwh < 0)
        {
            errors.Add("Pay per kWh cannot be negative.");
        }

        if (MaxKwPerVehicle is <= 0)
        {
            errors.Add("The maximum kW per vehicle must be above zero.");
        }

        if (NoticeMinutes < 0)
        {
            errors.Add("Notice time cannot be negative.");
        }

        return errors;
    }

    public bool IsEligible(string utilityName, Guid siteId) =>
        (EligibleUtilities.Count == 0 || EligibleUtilities.Contains(utilityName, StringComparer.OrdinalIgnoreCase))
        && (EligibleSiteIds.Count == 0 || EligibleSiteIds.Contains(siteId));
}

/// <summary>A vehicle taking part in a program, with the rank its driver gave it (1 = preferred).</summary>
public sealed class Enrollment
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public Guid VehicleId { get; set; }

    public Guid ProgramId { get; set; }

    public int Rank { get; set; } = 1;

    public DateTimeOffset EnrolledAt { get; set; }
}

/// <summary>A dispatched discharge event: a window and either a power per vehicle or a total target.</summary>
public sealed class ProgramEvent
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public Guid ProgramId { get; set; }

    public DateTimeOffset Start { get; set; }

    public DateTimeOffset End { get; set; }

    public double? RequestedKwPerVehicle { get; set; }

    public double? TotalTargetKw { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? CancelledAt { get; set; }

    /// <summary>The client's idempotency key when created through the API: the same key again returns this event.</summary>
    public string? IdempotencyKey { get; set; }

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (End <= Start)
        {
            errors.Add("The event must end after it starts.");
        }

        if (RequestedKwPerVehicle is null == TotalTargetKw is null)
        {
            errors.Add("Give either a power per vehicle or a total target, not both.");
        }

        if (RequestedKwPerVehicle is <= 0 || TotalTargetKw is <= 0)
        {
            errors.Add("The requested power must be above zero.");
        }

        return errors;
    }
}

/// <summary>A program operator's API key: only its SHA-256 is stored; the key is shown once at creation.</summary>
public sealed class OperatorApiKey
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public Guid OperatorId { get; set; }

    public required string Name { get; set; }

    /// <summary>The first characters of the key, to recognise it in lists ("kitu_3fA9…").</summary>
    public required string Prefix { get; set; }

    public required byte[] KeyHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public static (string Key, OperatorApiKey Stored) Issue(Guid operatorId, string name, DateTimeOffset now)
    {
        var key = "kitu_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (key, new OperatorApiKey { OperatorId = operatorId, Name = name, Prefix = key[..10], KeyHash = Hash(key), CreatedAt = now });
    }

    public static byte[] Hash(string key) => System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key));
}
