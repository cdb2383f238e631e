// The FunctionsMl function app on Flex Consumption.
// A plain Microsoft.Web/sites resource rather than AVM's web/site module: the Flex-specific parts
// (functionAppConfig, no FUNCTIONS_WORKER_RUNTIME, no alwaysOn) stay in plain sight, and the module's
// App Service defaults (alwaysOn, an App Insights agent setting, app settings applied in a second step)
// have no Flex test behind them in the module's own suite.

@description('Function app name; also its default host name.')
param name string
param location string
param tags object

@description('Resource id of the Flex Consumption (FC1) plan.')
param planId string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity: identity-based connections name it so the host picks it over any other.')
param identityClientId string

@description('primaryEndpoints of the storage account holding the host state, the deployment package and the model store (blob, queue and table are used). A parameter rather than an existing-resource lookup, so the app settings below are known when the deployment starts, as the loop over them requires.')
param storageEndpoints object

@description('Blob container azd deploys the package into.')
param deploymentContainerName string

param applicationInsightsConnectionString string

@description('Durable Functions task hub, read by host.json as %TASKHUB_NAME%.')
param taskHubName string

param instanceMemoryMB int
param maximumInstanceCount int

@description('Always-ready instances for the HTTP scaling group; 0 lets it scale to zero.')
param httpAlwaysReadyInstances int = 0

var blobEndpoint = storageEndpoints.blob
var queueEndpoint = storageEndpoints.queue
var tableEndpoint = storageEndpoints.table

// Flex Consumption rejects FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION and
// WEBSITE_RUN_FROM_PACKAGE: the runtime and the package location live in functionAppConfig.
var appSettings = {
  // Host storage (timers, blob-trigger receipts and queue, Durable Functions task hub). The worker's
  // blob SDK binding needs __blobServiceUri; queue and table URIs serve the Event Grid blob trigger
  // and the Durable Azure Storage backend.
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: blobEndpoint
  AzureWebJobsStorage__queueServiceUri: queueEndpoint
  AzureWebJobsStorage__tableServiceUri: tableEndpoint

  // The model store and the scoring queues: Connection = "FunctionsMlStorage" on the triggers and the
  // app's own clients. Same account as the host today; a separate one needs only these four values.
  FunctionsMlStorage__credential: 'managedidentity'
  FunctionsMlStorage__clientId: identityClientId
  FunctionsMlStorage__blobServiceUri: blobEndpoint
  FunctionsMlStorage__queueServiceUri: queueEndpoint

  // Tells the app to keep its store in blob storage instead of the local folder.
  FunctionsMl__Storage: 'azure'

  TASKHUB_NAME: taskHubName

  // DefaultAzureCredential picks a user-assigned identity only when told which one.
  AZURE_CLIENT_ID: identityClientId

  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd finds the service's deployment target by this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: planId
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: [for setting in items(appSettings): { name: setting.key, value: setting.value }]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        // 'http' is the scaling group of every HTTP-triggered function.
        alwaysReady: httpAlwaysReadyInstances > 0 ? [{ name: 'http', instanceCount: httpAlwaysReadyInstances }] : []
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0' // Azure wants '10.0', not '10'
      }
    }
  }
}

output name string = site.name
output url string = 'https://${site.properties.defaultHostName}'
