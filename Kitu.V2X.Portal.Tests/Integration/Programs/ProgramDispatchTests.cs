using Kitu.V2X.Portal.Accounts;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Demo;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Programs;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Programs;

public sealed class ProgramDispatchTests(ProgramDispatchTests.Portal portal) : IClassFixture<ProgramDispatchTests.Portal>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_operator_creates_publishes_and_dispatches_its_own_programs_and_no_one_else_s()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var users = sp.GetRequiredService<UserManager<PortalUser>>();
        var utilityUser = (await users.FindByEmailAsync(DemoAccounts.Operator.Email))!.Id;
        var admin = sp.GetRequiredService<AccountAdministration>();
        Assert.Null(await admin.CreateOperatorAsync("Carmaker", OperatorKind.Oem, Ct));
        var oem = (await admin.OperatorsAsync(Ct)).Single(o => o.Name == "Carmaker");
        Assert.True((await admin.CreateAsync("oem@example.test", null, PortalRoles.ProgramOperator, Ct, oem.Id)).Succeeded);
        var oemUser = (await users.FindByEmailAsync("oem@example.test"))!.Id;
        var dispatch = sp.GetRequiredService<ProgramDispatch>();

        Assert.Empty(await dispatch.CreateProgramAsync(utilityUser, new ProgramFormModel { Name = "Storm Reserve", IsEmergency = true }, Ct));
        Assert.NotEmpty(await dispatch.CreateProgramAsync(oemUser, new ProgramFormModel { Name = "Fake emergency", IsEmergency = true }, Ct));
        Assert.NotEmpty(await dispatch.CreateProgramAsync(oemUser, new ProgramFormModel { Name = "" }, Ct));
        var storm = (await dispatch.ProgramsAsync(utilityUser, Ct)).Single(p => p.Name == "Storm Reserve");
        Assert.Equal(ProgramStatus.Draft, storm.Status);
        Assert.Equal("Only a published program can dispatch events.", (await dispatch.DispatchAsync(utilityUser, storm.Id, new DispatchFormModel { Kw = 5, Minutes = 30 }, Ct)).Message);

        Assert.False(await dispatch.SetStatusAsync(oemUser, storm.Id, ProgramStatus.Published, Ct));
        Assert.Equal(ProgramDispatch.NotYours, (await dispatch.DispatchAsync(oemUser, storm.Id, new DispatchFormModel { Kw = 5, Minutes = 30 }, Ct)).Message);
        Assert.DoesNotContain(await dispatch.ProgramsAsync(oemUser, Ct), p => p.Id == storm.Id);

        Assert.True(await dispatch.SetStatusAsync(utilityUser, storm.Id, ProgramStatus.Published, Ct));
        Assert.True((await dispatch.DispatchAsync(utilityUser, storm.Id, new DispatchFormModel { Kw = 5, Minutes = 30 }, Ct)).Succeeded);
        Assert.True(await sp.GetRequiredService<PortalDbContext>().ProgramEvents.AnyAsync(e => e.ProgramId == storm.Id, Ct));
    }

    [Fact]
    public async Task A_dispatch_may_start_later_ask_for_a_total_and_must_respect_the_program_s_notice()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var user = (await sp.GetRequiredService<UserManager<PortalUser>>().FindByEmailAsync(DemoAccounts.Operator.Email))!.Id;
        var dispatch = sp.GetRequiredService<ProgramDispatch>();
        Assert.Empty(await dispatch.CreateProgramAsync(user, new ProgramFormModel { Name = "Day Ahead", NoticeMinutes = 60 }, Ct));
        var program = (await dispatch.ProgramsAsync(user, Ct)).Single(p => p.Name == "Day Ahead");
        Assert.True(await dispatch.SetStatusAsync(user, program.Id, ProgramStatus.Published, Ct));

        Assert.Contains("60 minutes' notice", (await dispatch.DispatchAsync(user, program.Id, new DispatchFormModel { Kw = 40, TotalTarget = true, StartInMinutes = 30 }, Ct)).Message, StringComparison.Ordinal);
        Assert.Equal("Ask for a total above 0 and at most 100,000 kW.", (await dispatch.DispatchAsync(user, program.Id, new DispatchFormModel { Kw = 0, TotalTarget = true, StartInMinutes = 90 }, Ct)).Message);
        Assert.True((await dispatch.DispatchAsync(user, program.Id, new DispatchFormModel { Kw = 40, TotalTarget = true, StartInMinutes = 90, Minutes = 45 }, Ct)).Succeeded);

        var scheduled = await sp.GetRequiredService<PortalDbContext>().ProgramEvents.AsNoTracking().SingleAsync(e => e.ProgramId == program.Id, Ct);
        Assert.Equal((40.0, (double?)null), (scheduled.TotalTargetKw!.Value, scheduled.RequestedKwPerVehicle));
        Assert.InRange(scheduled.Start - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(89), TimeSpan.FromMinutes(90));
        Assert.Equal(TimeSpan.FromMinutes(45), scheduled.End - scheduled.Start);
    }

    public sealed class Portal : PortalFactory;
}
