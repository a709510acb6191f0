using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Discharge;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Programs;

/// <summary>
/// Cancelling an operator's event — written once, for the Dispatch page and <c>POST /api/v1/events/{id}/cancel</c>:
/// the event is marked cancelled and every car discharging for it is told to stop at once.
/// </summary>
public sealed class CancelEvent(PortalDbContext db, DischargeMediator mediator, TimeProvider time)
{
    /// <summary>False when the event is not the operator's (or does not exist); cancelling twice is harmless.</summary>
    public async Task<bool> RunAsync(Guid operatorId, Guid eventId, CancellationToken cancellationToken)
    {
        var owned = await (from e in db.ProgramEvents
                           join p in db.DischargePrograms on e.ProgramId equals p.Id
                           where e.Id == eventId && p.OperatorId == operatorId
                           select e.Id).AnyAsync(cancellationToken);
        if (!owned)
        {
            return false;
        }

        await db.ProgramEvents.Where(e => e.Id == eventId && e.CancelledAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.CancelledAt, time.GetUtcNow()), cancellationToken);
        await mediator.CancelledAsync(eventId, cancellationToken);
        return true;
    }
}
