using System.Globalization;

namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;

/// <summary>
/// Range checks the schema leaves to the reader: percents in hundredths up to 100 %, multipliers within ±9,
/// randomization within one hour, 1–10 curve points, hex fields of the right length.
/// </summary>
public static class SepValidation
{
    public static void Validate(object resource)
    {
        switch (resource)
        {
            case DerControlList list:
                list.Items.ForEach(Validate);
                break;
            case DerControl control:
                Hex(control.MRid, 32, "mRID", required: true);
                Hex(control.DeviceCategory, 8, "deviceCategory");
                Hex(control.ResponseRequired, 2, "responseRequired");
                OneHour(control.RandomizeStart, "randomizeStart");
                OneHour(control.RandomizeDuration, "randomizeDuration");
                Base(control.Base);
                break;
            case DefaultDerControl dflt:
                Hex(dflt.MRid, 32, "mRID", required: true);
                Base(dflt.Base);
                break;
            case DerCurveList curves:
                curves.Items.ForEach(Validate);
                break;
            case DerCurve curve:
                Hex(curve.MRid, 32, "mRID", required: true);
                if (curve.CurveData.Count is < 1 or > 10)
                {
                    throw Range($"A curve has 1 to 10 points; {curve.MRid} has {curve.CurveData.Count}.");
                }

                Multiplier(curve.XMultiplier, "xMultiplier");
                Multiplier(curve.YMultiplier, "yMultiplier");
                if (curve.CurveType > 14)
                {
                    throw Range($"Unknown curveType {curve.CurveType}.");
                }

                Percent(curve.VRef, "vRef");
                break;
            case DerProgramList programs:
                programs.Items.ForEach(Validate);
                break;
            case DerProgram program:
                Hex(program.MRid, 32, "mRID", required: true);
                break;
            case FunctionSetAssignmentsList fsas:
                fsas.Items.ForEach(Validate);
                break;
            case FunctionSetAssignments fsa:
                Hex(fsa.MRid, 32, "mRID", required: true);
                break;
            case EndDeviceList devices:
                devices.Items.ForEach(Validate);
                break;
            case EndDevice device:
                Hex(device.Lfdi, 40, "lFDI");
                Hex(device.DeviceCategory, 8, "deviceCategory");
                if (device.Sfdi > 999_999_999_999)
                {
                    throw Range("sFDI has more than 12 digits.");
                }

                break;
            case Registration registration:
                if (registration.Pin > 999_999)
                {
                    throw Range("pIN has more than six digits.");
                }

                break;
            case DerCapability capability:
                Hex(capability.ModesSupported, 8, "modesSupported", required: true);
                Power(capability.RtgMaxW, "rtgMaxW");
                break;
            case DerSettings settings:
                Power(settings.SetMaxW, "setMaxW");
                break;
            case DerControlResponse response:
                Hex(response.EndDeviceLfdi, 40, "endDeviceLFDI", required: true);
                Hex(response.Subject, 32, "subject", required: true);
                break;
        }
    }

    private static void Base(DerControlBase b)
    {
        Percent(b.OpModMaxLimW, "opModMaxLimW");
        SignedPercent(b.OpModFixedW, "opModFixedW");
        if (b.OpModFixedVar is { } fixedVar)
        {
            SignedPercent(fixedVar.Value, "opModFixedVar");
        }

        Pf(b.OpModFixedPfInjectW, "opModFixedPFInjectW");
        Pf(b.OpModFixedPfAbsorbW, "opModFixedPFAbsorbW");
        Power(b.OpModTargetW, "opModTargetW");
        if (b.OpModTargetVar is { } targetVar)
        {
            Multiplier(targetVar.Multiplier, "opModTargetVar multiplier");
        }
    }

    private static void Pf(PowerFactorWithExcitation? pf, string name)
    {
        if (pf is null)
        {
            return;
        }

        Multiplier(pf.Multiplier, name + " multiplier");
        if (pf.PowerFactor is < 0 or > 1)
        {
            throw Range($"{name} must be a power factor between 0 and 1, not {pf.PowerFactor.ToString(CultureInfo.InvariantCulture)}.");
        }
    }

    private static void Power(ActivePower? power, string name)
    {
        if (power is not null)
        {
            Multiplier(power.Multiplier, name + " multiplier");
        }
    }

    private static void Percent(ushort? value, string name)
    {
        if (value > 10_000)
        {
            throw Range($"{name} is {value / 100.0:0.##} %; a PerCent cannot exceed 100 %.");
        }
    }

    private static void SignedPercent(short? value, string name)
    {
        if (value is > 10_000 or < -10_000)
        {
            throw Range($"{name} is {value / 100.0:0.##} %; it must lie within ±100 %.");
        }
    }

    private static void OneHour(short? seconds, string name)
    {
        if (seconds is > 3600 or < -3600)
        {
            throw Range($"{name} is {seconds} s; it must lie within ±3600 s.");
        }
    }

    private static void Multiplier(sbyte value, string name)
    {
        if (value is > 9 or < -9)
        {
            throw Range($"{name} is {value}; a power-of-ten multiplier lies within ±9.");
        }
    }

    private static void Hex(string? value, int maxDigits, string name, bool required = false)
    {
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                throw new SepFormatException(SepFormatError.Malformed, $"{name} is required.");
            }

            return;
        }

        if (value.Length > maxDigits || value.Length % 2 != 0 || !value.All(Uri.IsHexDigit))
        {
            throw new SepFormatException(SepFormatError.Malformed, $"{name} must be hex of an even length up to {maxDigits} digits.");
        }
    }

    private static SepFormatException Range(string message) => new(SepFormatError.OutOfRange, message);
}
