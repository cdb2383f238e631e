using Microsoft.Extensions.Logging;

namespace FunctionsMl.Serving.Definitions;

/// <summary>Log messages of definition publishing and reading (event ids 1500-1519).</summary>
internal static partial class DefinitionsLog
{
    [LoggerMessage(EventId = 1500, Level = LogLevel.Error, Message = "Model {Model}: the stored definition is invalid and is ignored: {Problem}")]
    public static partial void InvalidDefinition(ILogger logger, string model, string problem);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "Model {Model}: published from {Directory}: definition {DefinitionState}, {Uploaded} data file(s) uploaded, {Unchanged} unchanged, {Removed} removed")]
    public static partial void Published(ILogger logger, string model, string directory, string definitionState, int uploaded, int unchanged, int removed);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Warning, Message = "Model {Model}: {Path} was removed locally but changed in the store since it was published; it is kept")]
    public static partial void RemovedFileChangedInStore(ILogger logger, string model, string path);
}
