using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using Json.Schema;

namespace Kitu.V2X.Portal.Ocpp;

/// <summary>The OCPP versions the gateway speaks, by WebSocket subprotocol.</summary>
public enum OcppVersion
{
    V201,
    V21,
}

/// <summary>Why a payload does not conform, as OCPP's CALLERROR codes say it (OCPP-J §4.3).</summary>
public sealed record SchemaViolation(string ErrorCode, string Description);

/// <summary>
/// The official OCPP 2.0.1 and 2.1 JSON schemas (Ocpp/Schemas, embedded verbatim), built once, each version in a
/// registry of its own so their ids never collide with each other or with anything else in the process. Every
/// payload the gateway receives or sends is checked against the schema of its action and direction.
/// </summary>
public sealed class OcppSchemas
{
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List };
    private readonly FrozenDictionary<(OcppVersion, string), JsonSchema> schemas;

    public OcppSchemas()
    {
        var built = new Dictionary<(OcppVersion, string), JsonSchema>();
        var assembly = typeof(OcppSchemas).Assembly;
        foreach (var (version, folder) in new[] { (OcppVersion.V201, "v201"), (OcppVersion.V21, "v21") })
        {
            var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
            foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith($"ocpp/{folder}/", StringComparison.Ordinal)))
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream);
                var file = Path.GetFileNameWithoutExtension(name);
                built[(version, file)] = JsonSchema.FromText(reader.ReadToEnd(), options);
            }
        }

        schemas = built.ToFrozenDictionary();
    }

    /// <summary>Every action with a request schema in this version ("BootNotification", "SetDERControl"…).</summary>
    public IEnumerable<string> Actions(OcppVersion version) =>
        schemas.Keys.Where(k => k.Item1 == version && k.Item2.EndsWith("Request", StringComparison.Ordinal)).Select(k => k.Item2[..^"Request".Length]);

    public bool Knows(OcppVersion version, string action) => schemas.ContainsKey((version, action + "Request"));

    /// <summary>Checks a request (<paramref name="response"/> false) or a response payload; null when it conforms.</summary>
    public SchemaViolation? Check(OcppVersion version, string action, JsonElement payload, bool response)
    {
        if (!schemas.TryGetValue((version, action + (response ? "Response" : "Request")), out var schema))
        {
            return new SchemaViolation("NotImplemented", $"{action} is not an OCPP {Name(version)} action.");
        }

        var result = schema.Evaluate(payload, Evaluation);
        if (result.IsValid)
        {
            return null;
        }

        var failure = (result.Details ?? []).Prepend(result).FirstOrDefault(d => d.Errors is { Count: > 0 });
        var (keyword, message) = failure?.Errors?.First() is { } e ? (e.Key, e.Value) : ("", "does not conform to its schema");
        var where = failure?.InstanceLocation.ToString() is { Length: > 0 } at ? at : "/";
        return new SchemaViolation(CodeFor(keyword), Trim($"{action}{(response ? "Response" : "Request")} at {where}: {message}"));
    }

    public static string Name(OcppVersion version) => version == OcppVersion.V21 ? "2.1" : "2.0.1";

    /// <summary>OCPP-J's codes for what a schema keyword checks.</summary>
    internal static string CodeFor(string keyword) => keyword switch
    {
        "type" => "TypeConstraintViolation",
        "required" or "minItems" or "maxItems" => "OccurrenceConstraintViolation",
        "enum" or "const" or "minimum" or "maximum" or "exclusiveMinimum" or "exclusiveMaximum" or "minLength" or "maxLength" or "pattern" or "format" or "multipleOf" => "PropertyConstraintViolation",
        _ => "FormatViolation",
    };

    private static string Trim(string s) => s.Length <= 200 ? s : s[..200];
}
