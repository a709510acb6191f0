using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace Kitu.V2X.Portal.Components.Shared;

/// <summary>
/// The base of a component that reads or writes the store: each operation gets its services (and so its database
/// context) from a scope of its own — never the circuit's shared context, so a live push and a click cannot collide —
/// and is cancelled when the component goes.
/// </summary>
public abstract class ScopedComponent : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource gone = new();

    [Inject] private IServiceScopeFactory Scopes { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    /// <summary>Cancelled when the component goes: every operation gets it.</summary>
    protected CancellationToken Gone { get; private set; }

    protected bool IsGone => gone.IsCancellationRequested;

    /// <summary>The signed-in user's id ("" before <see cref="SignedInAsync"/>).</summary>
    protected string UserId { get; private set; } = "";

    protected ScopedComponent() => Gone = gone.Token;

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing && !gone.IsCancellationRequested)
        {
            gone.Cancel();
        }
    }

    protected async Task<string> SignedInAsync()
    {
        UserId = (await AuthenticationState).User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value ?? "";
        return UserId;
    }

    /// <summary>Runs one operation with a service from a scope of its own (its own database context).</summary>
    protected async Task<T> Use<TService, T>(Func<TService, CancellationToken, Task<T>> operation)
        where TService : notnull
    {
        ArgumentNullException.ThrowIfNull(operation);
        await using var scope = Scopes.CreateAsyncScope();
        return await operation(scope.ServiceProvider.GetRequiredService<TService>(), Gone);
    }

    /// <summary>Runs one operation with a service from a scope of its own (its own database context).</summary>
    protected async Task Use<TService>(Func<TService, CancellationToken, Task> operation)
        where TService : notnull
    {
        ArgumentNullException.ThrowIfNull(operation);
        await using var scope = Scopes.CreateAsyncScope();
        await operation(scope.ServiceProvider.GetRequiredService<TService>(), Gone);
    }
}
