// Declarations of the worker options that src/FunctionsMl.Functions/Hosting uses (see README.md).
// Source: Azure/azure-functions-dotnet-worker, tag 2.52.0: src/DotNetWorker.Core/Hosting/WorkerOptions.cs.
// ObjectSerializer is the real Azure.Core type.
using Azure.Core.Serialization;

namespace Microsoft.Azure.Functions.Worker;

public class WorkerOptions
{
    public ObjectSerializer? Serializer { get; set; }
}
