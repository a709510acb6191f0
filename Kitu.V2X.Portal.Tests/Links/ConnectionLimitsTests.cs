using Kitu.V2X.Portal.Extensions;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;

namespace Kitu.V2X.Portal.Tests.Links;

/// <summary>A portal full of EVSE links refuses the next connection before it runs out of file descriptors.</summary>
public sealed class ConnectionLimitsTests
{
    [Theory]
    [InlineData(20_000, 19_000, 500)] // this machine kind: 19,000 links, 500 other connections, 500 for the process's own
    [InlineData(1_048_576, 996_148, 26_214)]
    [InlineData(4_096, 3_840, 128)] // a twentieth would be 204: at least 256 kept back
    public void The_limits_keep_room_for_the_process_own_files(long descriptors, long upgraded, long plain)
    {
        var limits = ConnectionLimits.For(descriptors);
        Assert.Equal((upgraded, plain), limits);
        Assert.True(limits!.Value.Upgraded + limits.Value.Plain < descriptors);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(512L)]
    [InlineData(long.MaxValue)] // unlimited
    public void An_unknown_or_tiny_limit_sets_none(long? descriptors) => Assert.Null(ConnectionLimits.For(descriptors));

    [Fact]
    public void Settings_win_and_what_they_leave_open_is_computed()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Kestrel:Limits:MaxConcurrentConnections"] = "50" }).Build();
        var limits = new KestrelServerOptions().Limits;
        limits.MaxConcurrentConnections = 50; // as Kestrel binds the setting
        ConnectionLimits.Apply(limits, configuration, 20_000);
        Assert.Equal(50, limits.MaxConcurrentConnections);
        Assert.Equal(19_000, limits.MaxConcurrentUpgradedConnections);
    }

    [Fact]
    public void This_process_limit_is_read_on_linux()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Only Linux says its limits in /proc/self/limits.");
        var line = File.ReadLines("/proc/self/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var soft = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3];
        Assert.Equal(soft == "unlimited" ? null : long.Parse(soft, System.Globalization.CultureInfo.InvariantCulture), ConnectionLimits.DescriptorLimit());
    }
}
