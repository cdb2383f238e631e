// FunctionsMl on Azure Functions Flex Consumption: everything `azd up` provisions.
// One resource group holds a user-assigned identity, a storage account (the Functions host's state,
// the deployment package and the model store), Log Analytics + Application Insights, the Flex plan
// and function app, and the Event Grid system topic that feeds the blob-triggered scoring function.
// Nothing authenticates with keys: shared-key access on storage and local auth on App Insights are off.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; seeds the resource token and names the resource group.')
param environmentName string

@minLength(1)
@description('Region for every resource. It must offer Flex Consumption: az functionapp list-flexconsumption-locations.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the person or service principal running azd. Given data-plane roles so the hooks can upload models and local runs can read them; empty grants nothing.')
param principalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
@description('Kind of principal principalId names (azd sets AZURE_PRINCIPAL_TYPE when it signs in as a service principal).')
param principalType string = 'User'

@minLength(3)
@maxLength(45)
@description('Durable Functions task hub (Azure Storage backend): letters and digits, starting with a letter.')
param taskHubName string = 'functionsml'

@allowed([512, 2048, 4096])
@description('Memory of each Flex Consumption instance, in MB.')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Upper bound on Flex Consumption scale-out.')
param maximumInstanceCount int = 100

@minValue(0)
@description('Always-ready instances for the HTTP scaling group (azd env FUNCTIONSML_HTTP_ALWAYS_READY). 0 scales to zero: cold starts, no idle cost; 1 or more removes cold starts and is billed while idle.')
param httpAlwaysReadyInstances int = 0

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
// One app per account, so the package container needs no unique suffix.
var deploymentContainerName = 'app-package'

// The model store's layout (DESIGN.md §4). The app and the azd hooks use these names verbatim;
// tests/infra/check_infra.sh holds this file and the hooks to the list.
var dataContainerNames = [
  'models' // definitions, immutable versions, aliases.json
  'training' // training data and feedback rows, per model
  'incoming' // files to score (Event Grid -> ScoreIncomingBlob)
  'scored' // scoring output, same relative path as the input
  'failed' // unusable input plus a report of why
  'runs' // retraining run records
]
var queueNames = [
  'scoring-requests'
  'scoring-results'
  'scoring-requests-poison' // the runtime would create it on first poison message; created up front so it can be watched from day one
]

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

// The app's only credential: storage, App Insights ingestion and the deployment package all use it.
module identity 'br/public:avm/res/managed-identity/user-assigned-identity:0.6.0' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'br/public:avm/res/storage/storage-account:0.33.0' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    skuName: 'Standard_LRS'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    // The module's default is a deny-all firewall. This app has no VNet, so the Flex instances and
    // the deploying user reach storage over the public endpoint, with Entra ID as the only way in.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    blobServices: {
      // Soft delete keeps an overwritten aliases.json or a deleted model version recoverable for a week.
      deleteRetentionPolicyEnabled: true
      deleteRetentionPolicyDays: 7
      containerDeleteRetentionPolicyEnabled: true
      containerDeleteRetentionPolicyDays: 7
      containers: map(concat([deploymentContainerName], dataContainerNames), containerName => { name: containerName })
    }
    queueServices: {
      queues: map(queueNames, queueName => { name: queueName })
    }
  }
}

module logAnalytics 'br/public:avm/res/operational-insights/workspace:0.16.1' = {
  name: 'log-analytics'
  scope: rg
  params: {
    name: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    location: location
    tags: tags
    dataRetention: 30
    features: {
      disableLocalAuth: true
    }
  }
}

module appInsights 'br/public:avm/res/insights/component:0.8.0' = {
  name: 'app-insights'
  scope: rg
  params: {
    name: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.outputs.resourceId
    // Ingestion needs an Entra token (APPLICATIONINSIGHTS_AUTHENTICATION_STRING + Monitoring Metrics Publisher).
    disableLocalAuth: true
    retentionInDays: 30
  }
}

module plan 'br/public:avm/res/web/serverfarm:0.7.0' = {
  name: 'plan'
  scope: rg
  params: {
    name: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    kind: 'functionapp'
    skuName: 'FC1' // the module maps FC1 to tier FlexConsumption
    reserved: true // Linux
    zoneRedundant: false
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: appInsights.outputs.name
    identityPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    location: location
    tags: tags
    planId: plan.outputs.resourceId
    identityId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageEndpoints: storage.outputs.serviceEndpoints
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: appInsights.outputs.connectionString
    taskHubName: taskHubName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    httpAlwaysReadyInstances: httpAlwaysReadyInstances
  }
  // The host touches storage the moment the site exists; granting roles first spares it a burst of 403s.
  dependsOn: [rbac]
}

// The subscription (storage -> webhook of ScoreIncomingBlob) is made by the postdeploy hook: it needs
// the blobs_extension system key, which exists only once the deployed code is running.
module eventGridTopic 'br/public:avm/res/event-grid/system-topic:0.7.0' = {
  name: 'event-grid-topic'
  scope: rg
  params: {
    name: '${abbrs.eventGridSystemTopics}storage-${resourceToken}'
    location: location
    tags: tags
    source: storage.outputs.resourceId
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

// azd stores these in .azure/<env>/.env and hands them to the hooks as environment variables.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AZURE_FUNCTION_APP_URL string = api.outputs.url
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.serviceEndpoints.blob
output EVENTGRID_SYSTEM_TOPIC_NAME string = eventGridTopic.outputs.name
output AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output APPLICATIONINSIGHTS_CONNECTION_STRING string = appInsights.outputs.connectionString
output TASKHUB_NAME string = taskHubName
