using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kitu.V2X.Portal.Ocpp;

/// <summary>OCPP-J message types (OCPP-J §4): CALL, CALLRESULT, CALLERROR, and 2.1's SEND and CALLRESULTERROR.</summary>
public enum OcppMessageType
{
    Call = 2,
    CallResult = 3,
    CallError = 4,
    Send = 5,
    CallResultError = 6,
}

/// <summary>One parsed frame. <see cref="Payload"/> is a clone: it outlives the frame's document.</summary>
public sealed record OcppFrame(OcppMessageType Type, string MessageId, string? Action, JsonElement Payload, string? ErrorCode = null, string? ErrorDescription = null);

/// <summary>A frame that could not be read; <see cref="MessageId"/> when the id could be, for the CALLERROR.</summary>
public sealed record OcppFrameError(string? MessageId, string ErrorCode, string Description);

/// <summary>Reads and writes OCPP-J frames defensively: JSON depth limited, message ids at most 36 characters, nothing trusted.</summary>
public static class OcppFrames
{
    /// <summary>OCPP-J: a message id is a string of at most 36 characters.</summary>
    public const int MaxMessageIdLength = 36;

    private static readonly JsonDocumentOptions Reading = new() { MaxDepth = 32 };

    public static (OcppFrame? Frame, OcppFrameError? Error) Parse(ReadOnlyMemory<byte> utf8)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, Reading);
        }
        catch (JsonException)
        {
            return (null, new OcppFrameError(null, "RpcFrameworkError", "The frame is not JSON."));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() < 3)
            {
                return (null, new OcppFrameError(null, "RpcFrameworkError", "A frame is a JSON array [type, id, …]."));
            }

            string? id = root[1].ValueKind == JsonValueKind.String ? root[1].GetString() : null;
            if (id is not { Length: > 0 and <= MaxMessageIdLength })
            {
                return (null, new OcppFrameError(null, "RpcFrameworkError", "The message id is a string of 1 to 36 characters."));
            }

            if (root[0].ValueKind != JsonValueKind.Number || !root[0].TryGetInt32(out var type) || type is < 2 or > 6)
            {
                return (null, new OcppFrameError(id, "MessageTypeNotSupported", "The message type is 2 to 6."));
            }

            var kind = (OcppMessageType)type;
            var length = root.GetArrayLength();
            switch (kind)
            {
                case OcppMessageType.Call or OcppMessageType.Send:
                    if (length != 4 || root[2].ValueKind != JsonValueKind.String || root[2].GetString() is not { Length: > 0 and <= 64 } action)
                    {
                        return (null, new OcppFrameError(id, "RpcFrameworkError", "A CALL is [2, id, action, payload]."));
                    }

                    if (root[3].ValueKind != JsonValueKind.Object)
                    {
                        return (null, new OcppFrameError(id, "FormatViolation", "The payload is a JSON object."));
                    }

                    return (new OcppFrame(kind, id, action, root[3].Clone()), null);
                case OcppMessageType.CallResult:
                    return length == 3 && root[2].ValueKind == JsonValueKind.Object
                        ? (new OcppFrame(kind, id, null, root[2].Clone()), null)
                        : (null, new OcppFrameError(id, "RpcFrameworkError", "A CALLRESULT is [3, id, payload]."));
                default:
                    if (length != 5 || root[2].ValueKind != JsonValueKind.String || root[3].ValueKind != JsonValueKind.String)
                    {
                        return (null, new OcppFrameError(id, "RpcFrameworkError", "A CALLERROR is [4, id, code, description, details]."));
                    }

                    return (new OcppFrame(kind, id, null, root[4].Clone(), Trim(root[2].GetString()), Trim(root[3].GetString())), null);
            }
        }
    }

    public static byte[] Call(string messageId, string action, JsonNode payload) =>
        JsonSerializer.SerializeToUtf8Bytes(new JsonArray(2, messageId, action, payload.DeepClone()));

    public static byte[] Result(string messageId, JsonNode payload) =>
        JsonSerializer.SerializeToUtf8Bytes(new JsonArray(3, messageId, payload.DeepClone()));

    public static byte[] Error(string messageId, string code, string description) =>
        JsonSerializer.SerializeToUtf8Bytes(new JsonArray(4, messageId, code, description, new JsonObject()));

    private static string? Trim(string? s) => s is { Length: > 255 } ? s[..255] : s;
}
