using System.Xml.Linq;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;
using Kitu.V2X.Portal.Sandbox;

namespace Kitu.V2X.Portal.Tests.Integration.Grid;

/// <summary>
/// Every document the client sends and the sandbox serves has its children in the order the 2030.5-2018 schema's
/// sequences fix, with every required child present. The schema itself is IEEE's and not in the repository: the
/// order of the elements used here is pinned below ("!" marks a required child), checked once against it.
/// </summary>
public sealed class SchemaOrderTests
{
    private static readonly Dictionary<string, string[]> Sequences = new(StringComparer.Ordinal)
    {
        ["CurveData"] = ["excitation", "!xvalue", "!yvalue"],
        ["DER"] = ["AssociatedDERProgramListLink", "AssociatedUsagePointLink", "CurrentDERProgramLink", "DERAvailabilityLink", "DERCapabilityLink", "DERSettingsLink", "DERStatusLink"],
        ["DERAvailability"] = ["availabilityDuration", "maxChargeDuration", "!readingTime", "reserveChargePercent", "reservePercent", "statVarAvail", "statWAvail"],
        ["DERCapability"] = ["!modesSupported", "rtgAbnormalCategory", "rtgMaxA", "rtgMaxAh", "rtgMaxChargeRateVA", "rtgMaxChargeRateW", "rtgMaxDischargeRateVA", "rtgMaxDischargeRateW", "rtgMaxV", "rtgMaxVA", "rtgMaxVar", "rtgMaxVarNeg", "!rtgMaxW", "rtgMaxWh", "rtgMinPFOverExcited", "rtgMinPFUnderExcited", "rtgMinV", "rtgNormalCategory", "rtgOverExcitedPF", "rtgOverExcitedW", "rtgReactiveSusceptance", "rtgUnderExcitedPF", "rtgUnderExcitedW", "rtgVNom", "!type"],
        ["DERControl"] = ["!mRID", "description", "version", "!creationTime", "!EventStatus", "!interval", "randomizeDuration", "randomizeStart", "!DERControlBase", "deviceCategory"],
        ["DERControlBase"] = ["opModConnect", "opModEnergize", "opModFixedPFAbsorbW", "opModFixedPFInjectW", "opModFixedVar", "opModFixedW", "opModFreqDroop", "opModFreqWatt", "opModHFRTMayTrip", "opModHFRTMustTrip", "opModHVRTMayTrip", "opModHVRTMomentaryCessation", "opModHVRTMustTrip", "opModLFRTMayTrip", "opModLFRTMustTrip", "opModLVRTMayTrip", "opModLVRTMomentaryCessation", "opModLVRTMustTrip", "opModMaxLimW", "opModTargetVar", "opModTargetW", "opModVoltVar", "opModVoltWatt", "opModWattPF", "opModWattVar", "rampTms"],
        ["DERControlList"] = ["DERControl"],
        ["DERControlResponse"] = ["createdDateTime", "!endDeviceLFDI", "status", "!subject"],
        ["DERCurve"] = ["!mRID", "description", "version", "autonomousVRefEnable", "autonomousVRefTimeConstant", "!creationTime", "!CurveData", "!curveType", "openLoopTms", "rampDecTms", "rampIncTms", "rampPT1Tms", "vRef", "!xMultiplier", "!yMultiplier", "!yRefType"],
        ["DERCurveList"] = ["DERCurve"],
        ["DERList"] = ["DER"],
        ["DERProgram"] = ["!mRID", "description", "version", "ActiveDERControlListLink", "DefaultDERControlLink", "DERControlListLink", "DERCurveListLink", "!primacy"],
        ["DERProgramList"] = ["DERProgram"],
        ["DERSettings"] = ["modesEnabled", "setESDelay", "setESHighFreq", "setESHighVolt", "setESLowFreq", "setESLowVolt", "setESRampTms", "setESRandomDelay", "!setGradW", "setMaxA", "setMaxAh", "setMaxChargeRateVA", "setMaxChargeRateW", "setMaxDischargeRateVA", "setMaxDischargeRateW", "setMaxV", "setMaxVA", "setMaxVar", "setMaxVarNeg", "!setMaxW", "setMaxWh", "setMinPFOverExcited", "setMinPFUnderExcited", "setMinV", "setSoftGradW", "setVNom", "setVRef", "setVRefOfs", "!updatedTime"],
        ["DERStatus"] = ["alarmStatus", "genConnectStatus", "inverterStatus", "localControlModeStatus", "manufacturerStatus", "operationalModeStatus", "!readingTime", "stateOfChargeStatus", "storageModeStatus", "storConnectStatus"],
        ["DefaultDERControl"] = ["!mRID", "description", "version", "!DERControlBase", "setESDelay", "setESHighFreq", "setESHighVolt", "setESLowFreq", "setESLowVolt", "setESRampTms", "setESRandomDelay", "setGradW", "setSoftGradW"],
        ["DeviceCapability"] = ["CustomerAccountListLink", "DemandResponseProgramListLink", "DERProgramListLink", "FileListLink", "MessagingProgramListLink", "PrepaymentListLink", "ResponseSetListLink", "TariffProfileListLink", "TimeLink", "UsagePointListLink", "EndDeviceListLink", "MirrorUsagePointListLink", "SelfDeviceLink"],
        ["EndDevice"] = ["ConfigurationLink", "DERListLink", "deviceCategory", "DeviceInformationLink", "DeviceStatusLink", "FileStatusLink", "IPInterfaceListLink", "lFDI", "LoadShedAvailabilityListLink", "LogEventListLink", "PowerStatusLink", "!sFDI", "!changedTime", "enabled", "FlowReservationRequestListLink", "FlowReservationResponseListLink", "FunctionSetAssignmentsListLink", "postRate", "RegistrationLink", "SubscriptionListLink"],
        ["EndDeviceList"] = ["EndDevice"],
        ["EventStatus"] = ["!currentStatus", "!dateTime", "!potentiallySuperseded", "potentiallySupersededTime", "reason"],
        ["FunctionSetAssignments"] = ["CustomerAccountListLink", "DemandResponseProgramListLink", "DERProgramListLink", "FileListLink", "MessagingProgramListLink", "PrepaymentListLink", "ResponseSetListLink", "TariffProfileListLink", "TimeLink", "UsagePointListLink", "!mRID", "description", "version"],
        ["FunctionSetAssignmentsList"] = ["FunctionSetAssignments"],
        ["Registration"] = ["!dateTimeRegistered", "!pIN"],
        ["Time"] = ["!currentTime", "!dstEndTime", "!dstOffset", "!dstStartTime", "localTime", "!quality", "!tzOffset"],
        ["genConnectStatus"] = ["!dateTime", "!value"],
        ["interval"] = ["!duration", "!start"],
        ["inverterStatus"] = ["!dateTime", "!value"],
        ["opModFixedPFAbsorbW"] = ["!displacement", "!excitation", "!multiplier"],
        ["opModFixedPFInjectW"] = ["!displacement", "!excitation", "!multiplier"],
        ["opModFixedVar"] = ["!refType", "!value"],
        ["opModFreqDroop"] = ["!dBOF", "!dBUF", "!kOF", "!kUF", "!openLoopTms"],
        ["opModTargetVar"] = ["!multiplier", "!value"],
        ["opModTargetW"] = ["!multiplier", "!value"],
        ["operationalModeStatus"] = ["!dateTime", "!value"],
        ["rtgMaxChargeRateW"] = ["!multiplier", "!value"],
        ["rtgMaxDischargeRateW"] = ["!multiplier", "!value"],
        ["rtgMaxW"] = ["!multiplier", "!value"],
        ["rtgVNom"] = ["!multiplier", "!value"],
        ["setMaxChargeRateW"] = ["!multiplier", "!value"],
        ["setMaxDischargeRateW"] = ["!multiplier", "!value"],
        ["setMaxW"] = ["!multiplier", "!value"],
        ["setVNom"] = ["!multiplier", "!value"],
        ["statWAvail"] = ["!multiplier", "!value"],
        ["storConnectStatus"] = ["!dateTime", "!value"],
        ["storageModeStatus"] = ["!dateTime", "!value"],
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_document_exchanged_in_a_full_session_is_in_schema_order()
    {
        await using var rig = await new SandboxRig(pollRateSeconds: 10).StartAsync();
        rig.State.PostRate = 10;
        var program = rig.State.AddProgram(2, "Feeder 7", new DefaultDerControl
        {
            MRid = "5A0000000000000000000000000DD0A2",
            Description = "Feeder default",
            Base = new DerControlBase { OpModMaxLimW = 9000, OpModFixedPfInjectW = new PowerFactorWithExcitation { Displacement = 95, Multiplier = -2 } },
            SetEsDelay = 30_000,
            SetGradW = 1000,
        });
        string Curve(byte type) => rig.State.AddCurve(program, new DerCurve
        {
            MRid = $"5A00000000000000000000000000CC{type:X2}",
            CreationTime = rig.Now.ToUnixTimeSeconds(),
            CurveData = [new CurveData { XValue = 90, YValue = 30 }, new CurveData { XValue = 110, YValue = -30, Excitation = type == 13 ? true : null }],
            CurveType = type,
            OpenLoopTms = 500,
            VRef = type == 11 ? (ushort)10_000 : null,
            YRefType = 1,
        });
        var everything = new DerControlBase
        {
            OpModConnect = true,
            OpModEnergize = true,
            OpModFixedPfAbsorbW = new PowerFactorWithExcitation { Displacement = 950, Excitation = true, Multiplier = -3 },
            OpModFixedVar = new FixedVar { RefType = 1, Value = 500 },
            OpModFixedW = -1000,
            OpModFreqDroop = new FreqDroopType { DbOf = 36, DbUf = 36, KOf = 50, KUf = 50, OpenLoopTms = 500 },
            OpModFreqWatt = new DerCurveLink { Href = Curve(0) },
            OpModHfrtMayTrip = new DerCurveLink { Href = Curve(1) },
            OpModHfrtMustTrip = new DerCurveLink { Href = Curve(2) },
            OpModHvrtMayTrip = new DerCurveLink { Href = Curve(3) },
            OpModHvrtMomentaryCessation = new DerCurveLink { Href = Curve(4) },
            OpModHvrtMustTrip = new DerCurveLink { Href = Curve(5) },
            OpModLfrtMayTrip = new DerCurveLink { Href = Curve(6) },
            OpModLfrtMustTrip = new DerCurveLink { Href = Curve(7) },
            OpModLvrtMayTrip = new DerCurveLink { Href = Curve(8) },
            OpModLvrtMomentaryCessation = new DerCurveLink { Href = Curve(9) },
            OpModLvrtMustTrip = new DerCurveLink { Href = Curve(10) },
            OpModMaxLimW = 5000,
            OpModTargetVar = new ReactivePower { Multiplier = 0, Value = 100 },
            OpModTargetW = new ActivePower { Multiplier = 1, Value = 500 },
            OpModVoltVar = new DerCurveLink { Href = Curve(11) },
            OpModVoltWatt = new DerCurveLink { Href = Curve(12) },
            OpModWattPf = new DerCurveLink { Href = Curve(13) },
            OpModWattVar = new DerCurveLink { Href = Curve(14) },
            RampTms = 1000,
        };
        rig.State.Schedule(program, everything, rig.Now, TimeSpan.FromMinutes(5), "Every function", randomizeStart: 10, randomizeDuration: -10, deviceCategory: Sep.EvseDeviceCategory);
        rig.State.SetStatus(rig.State.Schedule(0, new DerControlBase { OpModEnergize = false }, rig.Now, TimeSpan.FromMinutes(5), "Cancelled"), EventStatus.Cancelled, "Cancelled by the grid admin");
        rig.State.LimitExport(50, TimeSpan.FromMinutes(10));
        var documents = new List<(string What, byte[] Body)>();
        var session = rig.Session(pin: 111115, wrap: inner => new Recorder(inner, documents));
        session.Report(new DerDeviceStatus(rig.Now, true, true, true, StorageMode.Discharging, 5_000, 10_000));

        await rig.RunAsync(session, TimeSpan.FromSeconds(30));

        Assert.Equal(Kitu.V2X.Portal.Domain.GridSecurity.GridIntegration.Integrated, session.Rules.Integration);
        var roots = documents.Select(d => XDocument.Parse(System.Text.Encoding.UTF8.GetString(d.Body)).Root!.Name.LocalName).ToHashSet();
        Assert.Superset(new HashSet<string> { "DeviceCapability", "Time", "EndDevice", "Registration", "FunctionSetAssignmentsList", "DERProgramList", "DefaultDERControl", "DERControlList", "DERCurveList", "DERList", "DERCapability", "DERSettings", "DERStatus", "DERAvailability", "DERControlResponse" }, roots);
        Assert.All(documents, d => Check(d.What, XDocument.Parse(System.Text.Encoding.UTF8.GetString(d.Body)).Root!));
    }

    [Fact]
    public void The_check_refuses_a_swapped_pair_and_a_missing_required_child()
    {
        var swapped = XElement.Parse("""<interval xmlns="urn:ieee:std:2030.5:ns"><start>1</start><duration>2</duration></interval>""");
        var missing = XElement.Parse("""<DERSettings xmlns="urn:ieee:std:2030.5:ns"><setMaxW><multiplier>0</multiplier><value>1</value></setMaxW><updatedTime>1</updatedTime></DERSettings>""");

        Assert.ThrowsAny<Exception>(() => Check("swapped", swapped));
        Assert.ThrowsAny<Exception>(() => Check("missing", missing));
    }

    private static void Check(string what, XElement element)
    {
        Assert.Equal(Sep.Namespace, element.Name.NamespaceName);
        if (!Sequences.TryGetValue(element.Name.LocalName, out var sequence))
        {
            Assert.False(element.HasElements, $"{what}: <{element.Name.LocalName}> has children the pinned order does not know");
            return;
        }

        var names = sequence.Select(n => n.TrimStart('!')).ToList();
        var last = -1;
        foreach (var child in element.Elements())
        {
            var index = names.IndexOf(child.Name.LocalName);
            Assert.True(index >= 0, $"{what}: <{child.Name.LocalName}> is not a child of <{element.Name.LocalName}>");
            Assert.True(index >= last, $"{what}: <{child.Name.LocalName}> comes after a later sibling in <{element.Name.LocalName}>");
            last = index;
            Check(what, child);
        }

        foreach (var required in sequence.Where(n => n.StartsWith('!')).Select(n => n[1..]))
        {
            Assert.True(element.Elements(XName.Get(required, Sep.Namespace)).Any(), $"{what}: <{element.Name.LocalName}> lacks its required <{required}>");
        }
    }

    /// <summary>Keeps every body the client sends and the server answers.</summary>
    private sealed class Recorder(HttpMessageHandler inner, List<(string, byte[])> documents) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is not null)
            {
                documents.Add(($"{request.Method} {request.RequestUri!.AbsolutePath} (sent)", await request.Content.ReadAsByteArrayAsync(cancellationToken)));
            }

            var response = await base.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (body.Length > 0)
            {
                documents.Add(($"{request.Method} {request.RequestUri!.PathAndQuery} (served)", body));
            }

            var copy = new HttpResponseMessage(response.StatusCode) { Content = new ByteArrayContent(body), RequestMessage = request };
            foreach (var header in response.Content.Headers)
            {
                copy.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            foreach (var header in response.Headers)
            {
                copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Dispose();
            return copy;
        }
    }
}
