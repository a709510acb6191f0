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

    /// <summary>The currency <see cref="CompensationPerKwh"/> is paid in (ISO 4217, three capitals).</summary>
    public string Currency { get; set; } = "USD";

    /// <summary>The zone the operator schedules and reads this program's events in (an IANA id such as America/Los_Angeles).</summary>
    public string TimeZoneId { get; set; } = "UTC";

    /// <summary>Utilities whose customers may take part; empty = any.</summary>
    public List<string> EligibleUtilities { get; set; } = [];

    /// <summary>Sites whose chargers may take part; empty = any.</summary>
    public List<Guid> EligibleSiteIds { get; set; } = [];

    public double? MaxKwPerVehicle { get; set; }

    public int NoticeMinutes { get; set; }

    public ProgramStatus Status { get; set; } = ProgramStatus.Draft;

    public const int MaxNameLength = 100;
    public const int MaxDescriptionLength = 2_000;
    public const int MaxEligibleUtilities = 50;
    public const int MaxUtilityNameLength = 100;
    public const decimal MaxPayPerKwh = 100m;
    public const double MaxKwPerVehicleLimit = 1_000;
    public const int MaxNoticeMinutes = 7 * 24 * 60;

    /// <summary>
    /// Why a program cannot be saved as is; empty when it can. Every number is finite and in range and every text and
    /// list has a length limit, checked here because the store does not (SQLite ignores column lengths).
    /// </summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Name))
        {
            errors.Add("Give the program a name.");
        }
        else if (Name.Length > MaxNameLength)
        {
            errors.Add($"A name is at most {MaxNameLength} characters.");
        }

        if (Description is { Length: > MaxDescriptionLength })
        {
            errors.Add($"A description is at most {MaxDescriptionLength:N0} characters.");
        }

        if (IsEmergency && OperatorKind != OperatorKind.Utility)
        {
            errors.Add("Only a utility may run an emergency program.");
        }

        if (CompensationPerKwh is < 0 or > MaxPayPerKwh)
        {
            errors.Add($"Pay per kWh is between 0 and {MaxPayPerKwh}.");
        }

        if (Currency is not { Length: 3 } || !Currency.All(char.IsAsciiLetterUpper))
        {
            errors.Add("The currency is a three-letter ISO 4217 code such as USD or EUR.");
        }

        if (TimeZoneId is not { Length: > 0 and <= 64 } || !TimeZoneInfo.TryFindSystemTimeZoneById(TimeZoneId, out _))
        {
            errors.Add("Choose a time zone such as America/Los_Angeles or Europe/Helsinki.");
        }

        if (MaxKwPerVehicle is { } kw && (!double.IsFinite(kw) || kw <= 0 || kw > MaxKwPerVehicleLimit))
        {
            errors.Add($"The maximum kW per vehicle is above zero and at most {MaxKwPerVehicleLimit:N0}.");
        }

        if (NoticeMinutes is < 0 or > MaxNoticeMinutes)
        {
            errors.Add($"Notice time is between 0 and {MaxNoticeMinutes:N0} minutes (a week).");
        }

        if (EligibleUtilities.Count > MaxEligibleUtilities || EligibleUtilities.Any(u => string.IsNullOrWhiteSpace(u) || u.Length > MaxUtilityNameLength))
        {
            errors.Add($"Eligible utilities: at most {MaxEligibleUtilities}, each a name of 1 to {MaxUtilityNameLength} characters.");
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
