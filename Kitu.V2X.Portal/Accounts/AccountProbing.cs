using System.Collections.Concurrent;
using System.Net;
using System.Threading.RateLimiting;
using Kitu.V2X.Portal.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Accounts;

/// <summary>
/// Keeps the account pages from telling a prober which addresses have accounts: a login for an unknown address costs
/// a password check as a real one does, and "locks" after as many failures as a real account would; registering a
/// taken address answers as a new one does. Failures of unknown addresses are kept in memory only (hashed), for as
/// long as a lockout lasts.
/// </summary>
public sealed class AccountProbing
{
    private static readonly PortalUser Nobody = new() { UserName = "nobody" };
    private readonly IPasswordHasher<PortalUser> hasher;
    private readonly LockoutOptions lockout;
    private readonly TimeProvider time;
    private readonly string dummyHash;
    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset Until)> unknown = new(StringComparer.Ordinal);

    public AccountProbing(IOptions<PasswordHasherOptions> hashing, IOptions<IdentityOptions> identity, TimeProvider time)
    {
        hasher = new PasswordHasher<PortalUser>(hashing); // as costly as Identity's own (same options)
        lockout = identity.Value.Lockout;
        this.time = time;
        dummyHash = hasher.HashPassword(Nobody, Guid.NewGuid().ToString("N"));
    }

    /// <summary>As long as checking a password against a stored hash takes: the answer for an unknown address is not quicker.</summary>
    public void SpendAPasswordCheck(string? password) => _ = hasher.VerifyHashedPassword(Nobody, dummyHash, password ?? "");

    /// <summary>Whether an unknown address is "locked out" now, as a real account would be after as many failures.</summary>
    public bool IsLockedOut(string email) =>
        unknown.TryGetValue(Key(email), out var entry) && entry.Failures >= lockout.MaxFailedAccessAttempts && time.GetUtcNow() < entry.Until;

    /// <summary>Counts a failed login for an unknown address; true when that makes it "locked out".</summary>
    public bool Failed(string email)
    {
        var now = time.GetUtcNow();
        if (unknown.Count > 100_000)
        {
            foreach (var (key, value) in unknown.Where(e => e.Value.Until <= now).Take(10_000).ToList())
            {
                unknown.TryRemove(key, out _);
            }
        }

        var entry = unknown.AddOrUpdate(Key(email), _ => (1, now + lockout.DefaultLockoutTimeSpan), (_, old) =>
            old.Until <= now ? (1, now + lockout.DefaultLockoutTimeSpan) : (old.Failures + 1, old.Failures + 1 >= lockout.MaxFailedAccessAttempts ? now + lockout.DefaultLockoutTimeSpan : old.Until));
        return entry.Failures >= lockout.MaxFailedAccessAttempts;
    }

    private static string Key(string email) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(email.Trim().ToUpperInvariant())));
}

/// <summary>
/// Rate limits on the account forms — log in, register, forgot password, resend confirmation, passkey options — per
/// client address and form (<c>Accounts:AttemptsPerMinute</c>, 10 by default): guessing passwords or probing addresses
/// from one place is slowed whatever accounts exist, not only by the per-account lockout.
/// </summary>
public static class AccountRateLimits
{
    public const string Section = "Accounts";

    private static readonly string[] Forms =
    [
        "/Account/Login", "/Account/Register", "/Account/ForgotPassword", "/Account/ResendEmailConfirmation",
        "/Account/PasskeyRequestOptions", "/Account/LoginWith2fa", "/Account/LoginWithRecoveryCode",
    ];

    /// <summary>The partition of a request: a fixed window per client address and form for a POST to an account form, none otherwise.</summary>
    public static RateLimitPartition<string> Partition(HttpContext context, int perMinute)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!HttpMethods.IsPost(context.Request.Method) || Forms.FirstOrDefault(f => context.Request.Path.Equals(f, StringComparison.OrdinalIgnoreCase)) is not { } form)
        {
            return RateLimitPartition.GetNoLimiter("");
        }

        var client = context.Connection.RemoteIpAddress ?? IPAddress.None;
        return RateLimitPartition.GetFixedWindowLimiter($"{form}|{client}", _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1) });
    }

    public static bool IsAccountForm(HttpContext context) =>
        context?.Request.Path.StartsWithSegments("/Account", StringComparison.OrdinalIgnoreCase) == true;
}
