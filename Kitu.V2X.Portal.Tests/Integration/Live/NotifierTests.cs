using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Hubs;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>Pages hear only what they show: a change reaches the watches it touches, a status report the watchers of its charger or car.</summary>
public sealed class NotifierTests
{
    private static StatusMessage Status(string? vehicle = null) => new(vehicle is not null, vehicle, 50, true, 0, default, null);

    [Fact]
    public void A_change_reaches_only_the_watches_it_touches_and_a_disposed_watch_hears_nothing()
    {
        var notifier = new MediatorNotifier();
        var (car, other, program) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var heard = new List<string>();
        using var carWatch = notifier.Watch(new ChangeScope().Add(vehicle: car), () => heard.Add("car"));
        var programWatch = notifier.Watch(new ChangeScope().Add(program: program), () => heard.Add("program"));

        notifier.CommandsChanged(new ChangeScope().Add(Guid.NewGuid(), car));
        notifier.CommandsChanged(new ChangeScope().Add(vehicle: other));
        notifier.CommandsChanged(new ChangeScope());
        notifier.CommandsChanged(new ChangeScope().Add(program: program, programEvent: Guid.NewGuid()));
        programWatch.Dispose();
        notifier.CommandsChanged(new ChangeScope().Add(program: program));
        notifier.CommandsChanged(ChangeScope.Everything);

        Assert.Equal(["car", "program", "car"], heard);
        Assert.Equal(1, notifier.Count.Changes);
    }

    [Fact]
    public void A_status_report_reaches_the_watchers_of_its_charger_or_of_the_car_it_reports_and_no_one_else()
    {
        var notifier = new MediatorNotifier();
        var (evse, elsewhere) = (Guid.NewGuid(), Guid.NewGuid());
        var heard = new List<string>();
        var site = notifier.WatchStatus([evse], (_, _) => heard.Add("site"));
        var driver = notifier.WatchStatus([], (_, _) => heard.Add("driver"), ["KITU-1"]);

        notifier.EvseStatus(evse, Status());
        notifier.EvseStatus(elsewhere, Status("kitu-1"));
        notifier.EvseStatus(elsewhere, Status("OTHER"));
        site.Dispose();
        driver.Dispose();
        notifier.EvseStatus(evse, Status("KITU-1"));

        Assert.Equal(["site", "driver"], heard);
        Assert.Equal((0, 0), notifier.Count);
    }
}
