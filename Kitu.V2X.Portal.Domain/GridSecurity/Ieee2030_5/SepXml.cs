using System.Collections.Concurrent;
using System.Text;
using System.Xml;
using System.Xml.Serialization;

namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;

/// <summary>Why a 2030.5 document was refused.</summary>
public enum SepFormatError
{
    /// <summary>Not well-formed XML, or not the expected resource.</summary>
    Malformed,

    /// <summary>Larger than the size limit.</summary>
    TooLarge,

    /// <summary>The root element is not in <c>urn:ieee:std:2030.5:ns</c>.</summary>
    WrongNamespace,

    /// <summary>A DTD (and with it any entity expansion or external reference).</summary>
    DtdProhibited,

    /// <summary>A value outside its type's range (a percent above 100 %, a multiplier outside ±9, …).</summary>
    OutOfRange,
}

/// <summary>A 2030.5 document that cannot be used, with the reason named.</summary>
public sealed class SepFormatException(SepFormatError error, string message, Exception? inner = null) : Exception(message, inner)
{
    public SepFormatError Error { get; } = error;
}

/// <summary>
/// Reads and writes 2030.5 resources as <c>application/sep+xml</c>. Reading is hardened for untrusted input: DTDs
/// prohibited, no external resolution, a size cap, the root namespace required, unknown elements ignored, and every
/// number range-checked (<see cref="SepValidation"/>). Any failure is a <see cref="SepFormatException"/>.
/// </summary>
public static class SepXml
{
    public const int DefaultMaxBytes = 1_000_000;

    // XmlSerializer instances are expensive to create and safe to share; one per resource type.
    private static readonly ConcurrentDictionary<Type, XmlSerializer> Serializers = new();
    private static readonly XmlSerializerNamespaces Namespaces = CreateNamespaces();

    public static T Read<T>(Stream stream, int maxBytes = DefaultMaxBytes)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = ReadCapped(stream, maxBytes);
        return Read<T>(buffer, maxBytes);
    }

    public static T Read<T>(ReadOnlyMemory<byte> document, int maxBytes = DefaultMaxBytes)
        where T : class
    {
        if (document.Length > maxBytes)
        {
            throw new SepFormatException(SepFormatError.TooLarge, $"The document is larger than {maxBytes:N0} bytes.");
        }

        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = maxBytes,
            MaxCharactersFromEntities = 0,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            IgnoreWhitespace = true,
            CloseInput = true,
        };

        var root = typeof(T).GetCustomAttributes(typeof(XmlRootAttribute), false).OfType<XmlRootAttribute>().Single().ElementName;
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(document.ToArray(), writable: false), settings);
            reader.MoveToContent();
            if (reader.NamespaceURI != Sep.Namespace)
            {
                throw new SepFormatException(SepFormatError.WrongNamespace, $"The root element <{reader.LocalName}> is not in the 2030.5 namespace (found '{reader.NamespaceURI}').");
            }

            if (reader.LocalName != root)
            {
                throw new SepFormatException(SepFormatError.Malformed, $"Expected a {root}, got a {reader.LocalName}.");
            }

            var value = (T)Serializer(typeof(T)).Deserialize(reader)!;
            SepValidation.Validate(value);
            return value;
        }
        catch (XmlException ex) when (ex.Message.Contains("DTD", StringComparison.OrdinalIgnoreCase))
        {
            throw new SepFormatException(SepFormatError.DtdProhibited, "The document declares a DTD, which 2030.5 never needs; refused.", ex);
        }
        catch (XmlException ex) when (ex.Message.Contains("MaxCharactersInDocument", StringComparison.Ordinal) || ex.Message.Contains("maximum", StringComparison.OrdinalIgnoreCase))
        {
            throw new SepFormatException(SepFormatError.TooLarge, $"The document is larger than {maxBytes:N0} characters.", ex);
        }
        catch (XmlException ex)
        {
            throw new SepFormatException(SepFormatError.Malformed, $"Not well-formed XML: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex) when (ex.InnerException is XmlException or FormatException or OverflowException)
        {
            var inner = ex.InnerException!;
            var error = inner is OverflowException ? SepFormatError.OutOfRange : SepFormatError.Malformed;
            throw new SepFormatException(error, $"{ex.Message} {inner.Message}".Trim(), ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new SepFormatException(SepFormatError.Malformed, ex.Message, ex);
        }
    }

    public static byte[] Write<T>(T resource)
        where T : class
    {
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false }))
        {
            Serializer(typeof(T)).Serialize(writer, resource, Namespaces);
        }

        return buffer.ToArray();
    }

    public static string WriteString<T>(T resource)
        where T : class => Encoding.UTF8.GetString(Write(resource));

    private static XmlSerializer Serializer(Type type) => Serializers.GetOrAdd(type, t => new XmlSerializer(t));

    private static XmlSerializerNamespaces CreateNamespaces()
    {
        var ns = new XmlSerializerNamespaces();
        ns.Add("", Sep.Namespace);
        return ns;
    }

    private static byte[] ReadCapped(Stream stream, int maxBytes)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new SepFormatException(SepFormatError.TooLarge, $"The document is larger than {maxBytes:N0} bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
