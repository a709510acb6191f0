using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kitu.V2X.Portal.Ocpp;

namespace Kitu.V2X.Portal.Simulation;

/// <summary>
/// A virtual OCPP 2.1 (or 2.0.1) charging station for the demo and the <c>simulate</c> command: it connects to the
/// portal's gateway like a real station (Basic authentication with its station id and password), boots, reports its
/// connector, the car's transaction (its contract id as the idToken), meter values and SoC, follows the V2X charging
/// profile it is given (discharging at the setpoint until the profile's validTo, its fail-safe) and holds the DER
/// controls it is set (a LimitMaxDischarge caps its export). It reconnects with a charger's back-off and does not reboot
/// for it. Tests use a third-party client instead (ocpp-rpc); this one only has to be a plausible station.
/// </summary>
public sealed partial class VirtualOcppStation : IAsyncDisposable
{
    private readonly string stationId;
    private readonly string password;
    private readonly Uri endpoint;
    private readonly double maxKw;
    private readonly TimeProvider time;
    private readonly TimeSpan statusEvery;
    private readonly string subprotocol;
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement>> pending = new();
    private readonly Dictionary<string, JsonObject> der = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim calling = new(1, 1);
    private readonly SemaphoreSlim writing = new(1, 1);
    private readonly Lock gate = new();
    private ClientWebSocket? socket;
    private Task? running;
    private ITimer? timer;
    private DateTimeOffset lastTick;
    private string? transactionId;
    private int seqNo;
    private (Guid Id, double Kw, DateTimeOffset ValidTo)? discharge;

    public VirtualOcppStation(string stationId, string password, Uri portal, double maxKw, VirtualEv? ev, TimeProvider time, TimeSpan statusEvery, bool ocpp201 = false)
    {
        this.stationId = stationId;
        this.password = password;
        this.maxKw = maxKw;
        this.time = time;
        this.statusEvery = statusEvery;
        Ev = ev;
        subprotocol = ocpp201 ? "ocpp2.0.1" : "ocpp2.1";
        endpoint = new UriBuilder(portal) { Scheme = portal.Scheme == Uri.UriSchemeHttps ? "wss" : "ws", Path = $"{OcppEndpoint.PathPrefix}/{stationId}" }.Uri;
    }

    public VirtualEv? Ev { get; }

    public bool Connected => socket?.State == WebSocketState.Open;

    /// <summary>Kilowatts, positive = charging, negative = discharging.</summary>
    public double PowerKw { get; private set; }

    public Guid? ActiveCommand => discharge?.Id;

    /// <summary>Distinct commands it started discharging for (a renewal of the same one does not count).</summary>
    public int Executions { get; private set; }

    /// <summary>For the benchmark: called with the command id when it accepts a discharge profile.</summary>
    public Action<Guid>? Acked { get; set; }

    /// <summary>For the benchmark: called when a discharge is stopped by a charging-only profile.</summary>
    public Action? StopReceived { get; set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await ConnectAsync(cancellationToken);
        await CallAsync("BootNotification", new JsonObject
        {
            ["reason"] = "PowerUp",
            ["chargingStation"] = new JsonObject { ["vendorName"] = "Kitu virtual", ["model"] = "OCPP V2X DC", ["serialNumber"] = stationId, ["firmwareVersion"] = "sim-1" },
        });
        await ReportConnectorAsync();
        if (Ev is not null)
        {
            await PlugAsync();
        }

        lastTick = time.GetUtcNow();
        timer = time.CreateTimer(_ => _ = TickAsync(), null, statusEvery, statusEvery);
        running = Task.Run(StayConnectedAsync, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        if (timer is not null)
        {
            await timer.DisposeAsync();
        }

        if (socket is { State: WebSocketState.Open })
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // Gone already.
            }
        }

        socket?.Dispose();
        if (running is not null)
        {
            await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        stopping.Dispose();
    }

    private async Task PlugAsync()
    {
        lock (gate)
        {
            transactionId = $"{stationId}-{time.GetUtcNow().ToUnixTimeSeconds()}";
        }

        await ReportConnectorAsync();
        await TransactionEventAsync("Started", "CablePluggedIn", includeToken: true);
        if (subprotocol == "ocpp2.1")
        {
            await CallAsync("NotifyEVChargingNeeds", new JsonObject
            {
                ["evseId"] = 1,
                ["chargingNeeds"] = new JsonObject
                {
                    ["requestedEnergyTransfer"] = "DC",
                    ["availableEnergyTransfer"] = new JsonArray("DC", "DC_BPT"),
                    ["controlMode"] = "DynamicControl",
                    ["dcChargingParameters"] = new JsonObject { ["evMaxCurrent"] = 200, ["evMaxVoltage"] = 500, ["stateOfCharge"] = (int)Math.Round(Ev!.SocPercent) },
                },
            });
        }
    }

    private Task ReportConnectorAsync() => CallAsync("StatusNotification", new JsonObject
    {
        ["timestamp"] = Now(),
        ["connectorStatus"] = transactionId is null ? "Available" : "Occupied",
        ["evseId"] = 1,
        ["connectorId"] = 1,
    });

    private Task TransactionEventAsync(string eventType, string trigger, bool includeToken = false)
    {
        JsonObject payload;
        lock (gate)
        {
            if (transactionId is null)
            {
                return Task.CompletedTask;
            }

            var info = new JsonObject { ["transactionId"] = transactionId, ["chargingState"] = PowerKw == 0 ? "EVConnected" : "Charging" };
            if (subprotocol == "ocpp2.1")
            {
                info["operationMode"] = discharge is null ? "ChargingOnly" : "CentralSetpoint";
            }

            var samples = new JsonArray(
                new JsonObject { ["value"] = Math.Round(Math.Max(0, PowerKw) * 1000), ["measurand"] = "Power.Active.Import", ["unitOfMeasure"] = new JsonObject { ["unit"] = "W" } },
                new JsonObject { ["value"] = Math.Round(Math.Max(0, -PowerKw) * 1000), ["measurand"] = "Power.Active.Export", ["unitOfMeasure"] = new JsonObject { ["unit"] = "W" } });
            if (Ev is not null)
            {
                samples.Add(new JsonObject { ["value"] = Math.Round(Ev.SocPercent, 1), ["measurand"] = "SoC", ["unitOfMeasure"] = new JsonObject { ["unit"] = "Percent" } });
            }

            payload = new JsonObject
            {
                ["eventType"] = eventType,
                ["timestamp"] = Now(),
                ["triggerReason"] = trigger,
                ["seqNo"] = seqNo++,
                ["transactionInfo"] = info,
                ["evse"] = new JsonObject { ["id"] = 1, ["connectorId"] = 1 },
                ["meterValue"] = new JsonArray(new JsonObject { ["timestamp"] = Now(), ["sampledValue"] = samples }),
            };
            if (includeToken && Ev is not null)
            {
                payload["idToken"] = new JsonObject { ["idToken"] = Ev.Identifier, ["type"] = "eMAID" };
            }
        }

        return CallAsync("TransactionEvent", payload);
    }

    /// <summary>Moves the battery on by the time passed, drops a profile past its fail-safe, and reports.</summary>
    private async Task TickAsync()
    {
        var now = time.GetUtcNow();
        lock (gate)
        {
            var hours = (now - lastTick).TotalHours;
            lastTick = now;
            if (Ev is not null && PowerKw != 0)
            {
                Ev.SocPercent = Math.Clamp(Ev.SocPercent + (PowerKw * hours / Ev.BatteryKwh * 100), 0, 100);
            }

            if (discharge is { } d && (d.ValidTo <= now || Ev is { SocPercent: <= 5 }))
            {
                discharge = null; // not renewed in time (or the battery is empty): back to charging only by itself
                PowerKw = 0;
            }
            else if (discharge is { } running)
            {
                PowerKw = -Math.Min(running.Kw, Cap()); // a scheduled DER control starts or ends by its own clock
            }
        }

        try
        {
            await TransactionEventAsync("Updated", "MeterValuePeriodic");
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or InvalidOperationException or TimeoutException)
        {
            // Offline for now: the next tick tries again.
        }
    }

    private JsonObject Handle(string action, JsonElement payload)
    {
        switch (action)
        {
            case "SetChargingProfile":
                var profile = payload.GetProperty("chargingProfile");
                var period = profile.GetProperty("chargingSchedule")[0].GetProperty("chargingSchedulePeriod")[0];
                bool wasDischarging;
                Guid? accepted;
                lock (gate)
                {
                    wasDischarging = discharge is not null;
                    if (transactionId is null)
                    {
                        return new JsonObject { ["status"] = "Rejected", ["statusInfo"] = new JsonObject { ["reasonCode"] = "TxNotFound" } };
                    }

                    if (period.TryGetProperty("operationMode", out var mode) && mode.GetString() == "CentralSetpoint" && period.TryGetProperty("setpoint", out var setpoint) && setpoint.GetDouble() < 0)
                    {
                        var id = profile.TryGetProperty("customData", out var custom) && custom.TryGetProperty("commandId", out var c) && Guid.TryParse(c.GetString(), out var g) ? g : Guid.Empty;
                        var validTo = profile.TryGetProperty("validTo", out var v) ? DateTimeOffset.Parse(v.GetString()!, CultureInfo.InvariantCulture) : time.GetUtcNow().AddMinutes(2);
                        if (discharge?.Id != id)
                        {
                            Executions++;
                        }

                        discharge = (id, -setpoint.GetDouble() / 1000, validTo);
                        PowerKw = -Math.Min(discharge.Value.Kw, Cap());
                    }
                    else
                    {
                        discharge = null;
                        PowerKw = 0;
                    }

                    accepted = discharge?.Id;
                }

                if (accepted is { } started)
                {
                    Acked?.Invoke(started);
                }
                else if (wasDischarging)
                {
                    StopReceived?.Invoke();
                }

                _ = Task.Run(() => TransactionEventAsync("Updated", "ChargingRateChanged"));
                return new JsonObject { ["status"] = "Accepted" };
            case "SetDERControl":
                lock (gate)
                {
                    der[payload.GetProperty("controlId").GetString()!] = JsonNode.Parse(payload.GetRawText())!.AsObject();
                    if (discharge is { } d)
                    {
                        PowerKw = -Math.Min(d.Kw, Cap());
                    }
                }

                return new JsonObject { ["status"] = "Accepted" };
            case "ClearDERControl":
                lock (gate)
                {
                    return new JsonObject { ["status"] = payload.TryGetProperty("controlId", out var id) && der.Remove(id.GetString()!) ? "Accepted" : "NotFound" };
                }

            case "GetDERControl":
                var requestId = payload.GetProperty("requestId").GetInt32();
                _ = Task.Run(() => ReportDerAsync(requestId));
                lock (gate)
                {
                    return new JsonObject { ["status"] = der.Count > 0 ? "Accepted" : "NotFound" };
                }

            case "NotifyAllowedEnergyTransfer":
                return new JsonObject { ["status"] = "Accepted" };
            case "SetVariables":
                // It samples what it is asked to (it always reports power and SoC, each status interval).
                return new JsonObject
                {
                    ["setVariableResult"] = new JsonArray([.. payload.GetProperty("setVariableData").EnumerateArray().Select(d => (JsonNode)new JsonObject
                    {
                        ["attributeStatus"] = d.GetProperty("component").GetProperty("name").GetString() == "SampledDataCtrlr" ? "Accepted" : "UnknownComponent",
                        ["component"] = JsonNode.Parse(d.GetProperty("component").GetRawText()),
                        ["variable"] = JsonNode.Parse(d.GetProperty("variable").GetRawText()),
                    })]),
                };
            case "TriggerMessage":
                var requested = payload.GetProperty("requestedMessage").GetString();
                _ = Task.Run(() => requested == "TransactionEvent" ? TransactionEventAsync("Updated", "Trigger") : ReportConnectorAsync());
                return new JsonObject { ["status"] = requested is "StatusNotification" or "TransactionEvent" ? "Accepted" : "NotImplemented" };
            default:
                throw new OcppCallError("NotImplemented", $"The virtual station does not take {action}.");
        }
    }

    /// <summary>
    /// The export cap of the LimitMaxDischarge in force, in kW, as OCPP 2.1 resolves it: the scheduled control whose
    /// window holds now (highest priority, 0 first), else the default control. Under the lock.
    /// </summary>
    private double Cap()
    {
        var now = time.GetUtcNow();
        bool InForce(JsonObject c) =>
            c["limitMaxDischarge"]?["startTime"] is not { } start
            || (DateTimeOffset.Parse((string)start!, System.Globalization.CultureInfo.InvariantCulture) is var from && from <= now
                && now < from.AddSeconds((double?)c["limitMaxDischarge"]?["duration"] ?? double.MaxValue / 2));
        var limits = der.Values.Where(c => (string?)c["controlType"] == "LimitMaxDischarge").ToList();
        var inForce = limits.Where(c => (bool?)c["isDefault"] != true && InForce(c))
            .OrderBy(c => (int?)c["limitMaxDischarge"]?["priority"] ?? int.MaxValue).FirstOrDefault()
            ?? limits.Where(c => (bool?)c["isDefault"] == true).OrderBy(c => (int?)c["limitMaxDischarge"]?["priority"] ?? int.MaxValue).FirstOrDefault();
        return (double?)inForce?["limitMaxDischarge"]?["pctMaxDischargePower"] is { } pct ? maxKw * pct / 100 : maxKw;
    }

    private Task ReportDerAsync(int requestId)
    {
        var report = new JsonObject { ["requestId"] = requestId };
        lock (gate)
        {
            foreach (var control in der.Values.Where(c => (string?)c["controlType"] == "LimitMaxDischarge"))
            {
                (report["limitMaxDischarge"] ??= new JsonArray()).AsArray().Add(new JsonObject
                {
                    ["id"] = (string?)control["controlId"],
                    ["isDefault"] = (bool?)control["isDefault"] ?? false,
                    ["isSuperseded"] = false,
                    ["limitMaxDischarge"] = control["limitMaxDischarge"]!.DeepClone(),
                });
            }

            foreach (var control in der.Values.Where(c => c["curve"] is not null))
            {
                (report["curve"] ??= new JsonArray()).AsArray().Add(new JsonObject
                {
                    ["id"] = (string?)control["controlId"],
                    ["curveType"] = (string?)control["controlType"],
                    ["isDefault"] = (bool?)control["isDefault"] ?? false,
                    ["isSuperseded"] = false,
                    ["curve"] = control["curve"]!.DeepClone(),
                });
            }
        }

        return CallAsync("ReportDERControl", report);
    }

    private string Now() => time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
}
