using System.Collections.Concurrent;
using System.Text.Json;
using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.Telemetry;
using StackExchange.Redis;

namespace Kitu.V2X.Portal.ScaleOut;

/// <summary>
/// EVSE links across instances. Every instance tells the others, on the Redis channel <c>kitu:links</c>, what its own
/// links are and report — a link up (with its hello, its last status and the car taken as plugged in there), a link
/// down — and each instance keeps the others' links in its <see cref="EvseConnections"/> as <see cref="RemoteEvseLink"/>s.
/// So the mediator, wherever it runs, sees every EVSE and reaches it: what it sends to a remote link goes on the holder's
/// own channel <c>kitu:links:{instance}</c>, and the holder hands it to the link if it is still the same connection.
/// The EVSE's answers come back to the mediator's inbox; a driver's claim and answer reach the instance that judges them.
/// <para>
/// Each instance says it is alive every third of <c>ScaleOut:LeaseSeconds</c>; the links of an instance silent for that
/// long are dropped (its EVSEs reconnect elsewhere, through the load balancer), and those of one that stops cleanly at
/// once. An instance that starts or comes back to Redis asks the others to announce their links again. Messages from
/// Redis are parsed defensively: size-limited, malformed or unknown ones dropped. Runs only with <c>Redis:Configuration</c>.
/// </para>
/// </summary>
public sealed partial class LinkBridge : BackgroundService
{
    public static readonly RedisChannel NewsChannel = RedisChannel.Literal("kitu:links");

    /// <summary>The largest message taken from Redis: the bus's limit, as a <c>rules</c> order carries a whole <see cref="Domain.GridSecurity.GridRules"/>.</summary>
    public const int MaxMessageBytes = RedisBus.MaxMessageBytes;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly EvseConnections connections;
    private readonly CommandInbox inbox;
    private readonly VehicleClaims claims;
    private readonly TelematicsLinks telematics;
    private readonly LiveCommands liveCommands;
    private readonly MediatorLease mediator;
    private readonly MediatorNotifier notifier;
    private readonly PortalInstance instance;
    private readonly RedisBus bus;
    private readonly TimeProvider time;
    private readonly ILogger<LinkBridge> logger;
    private readonly TimeSpan silence;
    private readonly ConcurrentDictionary<string, DateTimeOffset> heard = new(StringComparer.Ordinal); // instance → last heard
    private readonly ConcurrentDictionary<Guid, string> announced = new(); // own links told to the others: EVSE → connection id
    private readonly ConcurrentDictionary<Guid, (Guid EvseId, DateTimeOffset At)> relayed = new(); // commands handed to own links for another instance
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<Guid, Announcement> lastAnnounced = new(); // what the others last heard of each own link
    private long received;

    public LinkBridge(EvseConnections connections, CommandInbox inbox, VehicleClaims claims, TelematicsLinks telematics, LiveCommands live, MediatorLease mediator,
        MediatorNotifier notifier, PortalInstance instance, RedisBus bus, IConfiguration configuration, TimeProvider time, ILogger<LinkBridge> logger)
    {
        this.notifier = notifier;
        this.telematics = telematics;
        this.liveCommands = live;
        this.mediator = mediator;
        this.connections = connections;
        this.inbox = inbox;
        this.claims = claims;
        this.instance = instance;
        this.bus = bus;
        this.time = time;
        this.logger = logger;
        silence = TimeSpan.FromSeconds(Math.Max(1, configuration.GetValue("ScaleOut:LeaseSeconds", 15.0)));
    }

    /// <summary>The instance's own channel: what other instances send to the links it holds.</summary>
    public static RedisChannel OrdersChannel(string instanceId) => RedisChannel.Literal("kitu:links:" + instanceId);

    /// <summary>Completes once the bridge listens and has asked the others for their links.</summary>
    public Task Ready => ready.Task;

    /// <summary>Messages taken from other instances.</summary>
    public long Received => Interlocked.Read(ref received);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        connections.Connected += OnConnected;
        connections.Disconnected += OnDisconnected;
        connections.StatusChanged += OnStatus;
        connections.FactsChanged += OnFacts;
        connections.Claimed += OnClaimed;
        claims.Answered += OnAnswered;
        inbox.Elsewhere = ForwardAnswer;
        StartTelematics();
        bus.Restored += Greet; // the others may have dropped this instance's links meanwhile
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        connections.Connected -= OnConnected;
        connections.Disconnected -= OnDisconnected;
        connections.StatusChanged -= OnStatus;
        connections.FactsChanged -= OnFacts;
        connections.Claimed -= OnClaimed;
        claims.Answered -= OnAnswered;
        inbox.Elsewhere = null;
        StopTelematics();
        bus.Restored -= Greet;
        if (!await bus.PublishAsync(NewsChannel, Serialize(new Message { Kind = Kinds.Bye, From = instance.Id }), TimeSpan.FromSeconds(2), cancellationToken))
        {
            LogByeFailed(); // the others drop this instance's links when it falls silent
        }

        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await bus.SubscribeAsync(NewsChannel, m => Taken(m, news: true), stoppingToken); // in order, one at a time
            await bus.SubscribeAsync(OrdersChannel(instance.Id), m => Taken(m, news: false), stoppingToken);
            Greet();
            ready.TrySetResult();
            using var beat = new PeriodicTimer(silence / 3, time);
            while (await beat.WaitForNextTickAsync(stoppingToken))
            {
                Publish(new Message { Kind = Kinds.Beat });
                DropSilent();
                ForgetOldCommands();
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private Task Taken(RedisValue value, bool news)
    {
        Take(value, news);
        return Task.CompletedTask;
    }

    /// <summary>Sends a message to the link another instance holds.</summary>
    internal Task Order(RemoteEvseLink link, Message message)
    {
        message.Evse = link.EvseId;
        message.ConnectionId = link.ConnectionId;
        Publish(message, OrdersChannel(link.Instance));
        return Task.CompletedTask; // as over a live link: a command nobody answers is sent again by the mediator
    }

    private void Greet()
    {
        Publish(new Message { Kind = Kinds.Hello }); // the others announce their links again
        AnnounceAll();
    }

    private void AnnounceAll()
    {
        foreach (var live in connections.All.Where(l => l.IsLocal))
        {
            Announce(live, again: true);
        }

        AnnounceTelematics();
    }

    /// <summary>Tells the others about an own link; what they already heard is not sent again unless asked (<paramref name="again"/>).</summary>
    private void Announce(LiveEvse live, bool again = false)
    {
        var facts = new Announcement(live.ConnectionId, live.Hello, live.Status, live.AcceptedVehicleIdentifier, live.ClaimedVehicleIdentifier, live.Station);
        if (!again && lastAnnounced.TryGetValue(live.EvseId, out var last) && last == facts)
        {
            return; // a status that changed the facts raises both events: one announcement
        }

        lastAnnounced[live.EvseId] = facts;
        announced[live.EvseId] = live.ConnectionId;
        Publish(new Message
        {
            Kind = Kinds.Up,
            Evse = live.EvseId,
            ConnectionId = live.ConnectionId,
            Transport = live.Link.Transport,
            CarriesDischarge = live.Link.CarriesDischarge,
            Since = live.Since,
            Hello = live.Hello,
            Status = live.Status,
            Accepted = live.AcceptedVehicleIdentifier,
            Claimed = live.ClaimedVehicleIdentifier,
            Station = live.Station,
        });
    }

    private void OnConnected(Guid evseId)
    {
        if (connections.Get(evseId) is not { } live)
        {
            return;
        }

        if (live.IsLocal)
        {
            Announce(live);
        }
        else
        {
            announced.TryRemove(evseId, out _); // the EVSE's link is now another instance's: that instance announced it
        }
    }

    private void OnDisconnected(Guid evseId)
    {
        lastAnnounced.TryRemove(evseId, out _);
        if (announced.TryRemove(evseId, out var connectionId))
        {
            Publish(new Message { Kind = Kinds.Down, Evse = evseId, ConnectionId = connectionId });
        }
    }

    private void OnStatus(Guid evseId, StatusMessage status) => OnFacts(evseId);

    private void OnFacts(Guid evseId)
    {
        if (connections.Get(evseId) is { IsLocal: true } live)
        {
            Announce(live);
        }
    }

    private void OnClaimed(Guid evseId, string vehicleIdentifier)
    {
        if (connections.Get(evseId) is { IsLocal: false, Link: RemoteEvseLink link })
        {
            _ = Order(link, new Message { Kind = Kinds.Claim, Vehicle = vehicleIdentifier }); // the holder judges it and says back
        }
    }

    private void OnAnswered(Guid evseId, Guid vehicleId, bool itIsMe) =>
        Publish(new Message { Kind = Kinds.ClaimAnswer, Evse = evseId, VehicleId = vehicleId, ItIsMe = itIsMe });

    /// <summary>An own link answered a command this instance does not run: on to the mediator's instance, if it came through the bridge for that link.</summary>
    private bool ForwardAnswer(ProgramExecutor executor, Guid linkId, CommandAnswer answer)
    {
        if (executor == ProgramExecutor.Ev)
        {
            return ForwardTelematicsAnswer(linkId, answer);
        }

        if (executor != ProgramExecutor.Evse || !relayed.TryGetValue(answer.CommandId, out var to) || to.EvseId != linkId)
        {
            return false;
        }

        Publish(new Message { Kind = Kinds.Answer, Evse = linkId, CommandId = answer.CommandId, At = answer.At, RejectCode = answer.RejectCode });
        return true;
    }

    private void Publish(Message message, RedisChannel? channel = null)
    {
        if (!bus.IsConnected)
        {
            return; // dropped while out of touch: the others drop this instance's links after the lease time, and it announces them again when back
        }

        message.From = instance.Id;
        bus.Publish(channel ?? NewsChannel, Serialize(message));
    }

    private static byte[] Serialize(Message message) => JsonSerializer.SerializeToUtf8Bytes(message, Json);

    /// <summary>What an announcement of an own link says .</summary>
    private sealed record Announcement(string ConnectionId, HelloMessage? Hello, StatusMessage? Status, string? Accepted, string? Claimed, Ocpp.OcppStationFacts? Station);
}
