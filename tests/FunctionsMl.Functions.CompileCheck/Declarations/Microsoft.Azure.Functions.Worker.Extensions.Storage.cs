// Declarations of the blob and queue bindings that src/FunctionsMl.Functions/Scoring uses (see README.md).
// Sources, Azure/azure-functions-dotnet-worker, tag storage-extension-6.8.2 (Storage.Blobs 6.8.2, Storage.Queues 5.5.5):
//   extensions/Worker.Extensions.Storage.Blobs/src/{BlobTriggerAttribute,BlobTriggerSource}.cs
//   extensions/Worker.Extensions.Storage.Queues/src/{QueueTriggerAttribute,QueueOutputAttribute}.cs
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Microsoft.Azure.Functions.Worker;

public enum BlobTriggerSource
{
    LogsAndContainerScan,
    EventGrid,
}

public sealed class BlobTriggerAttribute : TriggerBindingAttribute
{
    public BlobTriggerAttribute(string blobPath)
    {
        BlobPath = blobPath;
    }

    public string BlobPath { get; }

    public string? Connection { get; set; }

    public BlobTriggerSource Source { get; set; } = BlobTriggerSource.LogsAndContainerScan;
}

public sealed class QueueTriggerAttribute : TriggerBindingAttribute
{
    public QueueTriggerAttribute(string queueName)
    {
        QueueName = queueName;
    }

    public string QueueName { get; }

    public string? Connection { get; set; }
}

public sealed class QueueOutputAttribute : OutputBindingAttribute
{
    public QueueOutputAttribute(string queueName)
    {
        QueueName = queueName;
    }

    public string QueueName { get; }

    public string? Connection { get; set; }
}
