using Microsoft.Extensions.Logging;

namespace FunctionsMl.Serving.Registry;

/// <summary>Log messages of the model registry (event ids 1100-1199).</summary>
internal static partial class RegistryLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Registered model {Model} version {Version} (sha256 {Sha256}, {Size} bytes) for {RegisteredBy}")]
    public static partial void Registered(ILogger logger, string model, string version, string sha256, long size, string registeredBy);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Model {Model}: identical content is already version {Version}; not registered again")]
    public static partial void AlreadyRegistered(ILogger logger, string model, string version);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Model {Model}: alias {Alias} {Action} from version {From} to version {To} by {By}: {Reason}")]
    public static partial void AliasChanged(ILogger logger, string model, string alias, AliasAction action, string? from, string? to, string by, string reason);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Model {Model}: retention deleted version {Version}")]
    public static partial void VersionDeleted(ILogger logger, string model, string version);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Model {Model}: removed incomplete version {Version} left by an interrupted registration")]
    public static partial void IncompleteVersionRemoved(ILogger logger, string model, string version);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Error, Message = "Model {Model}: an AliasesChanged handler failed")]
    public static partial void AliasesChangedHandlerFailed(ILogger logger, string model, Exception exception);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Information, Message = "Model {Model}: a concurrent registration of identical content committed version {Duplicate} as well; returning the earlier version {Version}")]
    public static partial void DuplicateRegistration(ILogger logger, string model, string duplicate, string version);
}
