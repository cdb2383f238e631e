# azd postdeploy hook (PowerShell 7; postdeploy.sh is the POSIX twin: keep the two in step).
# Subscribes the blob-triggered scoring function to the storage account's Event Grid system topic:
# BlobCreated under container incoming -> the blobs extension webhook of ScoreIncomingBlob. Flex
# Consumption offers only the Event Grid source for blob triggers. This cannot live in Bicep: the
# webhook carries the blobs_extension system key, which the host creates once the deployed code runs,
# and Event Grid validates the endpoint when the subscription is made. Safe to run again: an
# existing subscription is updated in place (the key may have changed).

. (Join-Path $PSScriptRoot 'common.ps1')

Assert-Env @('AZURE_SUBSCRIPTION_ID', 'RESOURCE_GROUP', 'AZURE_FUNCTION_APP_NAME', 'AZURE_FUNCTION_APP_URL',
    'AZURE_STORAGE_ACCOUNT_NAME', 'EVENTGRID_SYSTEM_TOPIC_NAME')
Assert-Az

# Must match [Function("ScoreIncomingBlob")] and its [BlobTrigger("incoming/...", Source = EventGrid)].
$functionName = 'ScoreIncomingBlob'
$container = 'incoming'
$subscriptionName = 'incoming-to-score-incoming-blob'

# A request wakes an app that has scaled to zero; any status will do.
try { Invoke-WebRequest -Uri "$($env:AZURE_FUNCTION_APP_URL)/v2/health/live" -TimeoutSec 60 -SkipHttpErrorCheck | Out-Null } catch { }

$script:blobsKey = ''
Write-Host "waiting for the blobs_extension system key of $($env:AZURE_FUNCTION_APP_NAME)"
$found = Invoke-WithRetry 20 15 {
    $script:blobsKey = az functionapp keys list --only-show-errors --subscription $env:AZURE_SUBSCRIPTION_ID `
        --resource-group $env:RESOURCE_GROUP --name $env:AZURE_FUNCTION_APP_NAME `
        --query systemKeys.blobs_extension --output tsv 2>$null
    return ($LASTEXITCODE -eq 0) -and -not [string]::IsNullOrWhiteSpace($script:blobsKey)
}
if (-not $found) {
    Stop-Hook "no blobs_extension key on $($env:AZURE_FUNCTION_APP_NAME). The host creates it when it loads a blob trigger with Source = BlobTriggerSource.EventGrid: is $functionName deployed? (az functionapp function list -g $($env:RESOURCE_GROUP) -n $($env:AZURE_FUNCTION_APP_NAME))"
}

$endpoint = "$($env:AZURE_FUNCTION_APP_URL)/runtime/webhooks/blobs?functionName=Host.Functions.$functionName&code=$($script:blobsKey.Trim())"
# On Windows az is a batch file (az.cmd), and cmd.exe would cut the URL at '&' unless it arrives quoted.
$endpointArgument = if ($IsWindows) { "`"$endpoint`"" } else { $endpoint }
$subjectPrefix = "/blobServices/default/containers/$container/"

$common = @(
    '--only-show-errors', '--output', 'none',
    '--subscription', $env:AZURE_SUBSCRIPTION_ID, '--resource-group', $env:RESOURCE_GROUP,
    '--system-topic-name', $env:EVENTGRID_SYSTEM_TOPIC_NAME, '--name', $subscriptionName)

az eventgrid system-topic event-subscription show @common 2>$null | Out-Null
$verb = if ($LASTEXITCODE -eq 0) { 'update' } else { 'create' }
# Built by assignment: an if-expression would unroll an empty array to $null.
$extra = @()
if ($verb -eq 'create') { $extra = @('--endpoint-type', 'webhook') }

# Event Grid's handshake with the webhook can time out while the host warms up.
Write-Host "Event Grid subscription ${subscriptionName}: $verb ($subjectPrefix -> $functionName)"
$written = Invoke-WithRetry 5 20 {
    az eventgrid system-topic event-subscription $verb @extra @common `
        --endpoint $endpointArgument `
        --included-event-types Microsoft.Storage.BlobCreated `
        --subject-begins-with $subjectPrefix | Out-Null
    return $LASTEXITCODE -eq 0
}
if (-not $written) { Stop-Hook "could not $verb Event Grid subscription $subscriptionName" }

Write-Host @"

FunctionsMl is deployed.
  API base URL   $($env:AZURE_FUNCTION_APP_URL)
  function key   az functionapp keys list -g $($env:RESOURCE_GROUP) -n $($env:AZURE_FUNCTION_APP_NAME) --query functionKeys.default -o tsv
  list models    curl -H "x-functions-key: `$KEY" $($env:AZURE_FUNCTION_APP_URL)/api/models
  score a file   az storage blob upload --auth-mode login --account-name $($env:AZURE_STORAGE_ACCOUNT_NAME) -c $container -n <model>/<file>.csv -f <file>.csv
                 (results land in container scored, rejected input in failed)
"@
