# azd postprovision hook (PowerShell 7; postprovision.sh is the POSIX twin: keep the two in step).
#  1. Seeds the model store: models/<name>/model.json -> container models, blob <name>/model.json;
#     the files of the model's training data (its "data" entry, default data/) -> container training,
#     under <name>/. Existing blobs of the same name are overwritten; nothing else is touched.
#  2. Writes src/FunctionsMl.Functions/local.settings.json for `func start` against Azurite, unless
#     one exists already (it is gitignored and may hold your own settings).

. (Join-Path $PSScriptRoot 'common.ps1')
$root = Split-Path -Parent $PSScriptRoot

Assert-Env @('AZURE_SUBSCRIPTION_ID', 'AZURE_STORAGE_ACCOUNT_NAME', 'TASKHUB_NAME')
Assert-Az

function Send-File([string] $Container, [string] $BlobName, [string] $File) {
    az storage blob upload --only-show-errors --output none --auth-mode login `
        --account-name $env:AZURE_STORAGE_ACCOUNT_NAME --container-name $Container --name $BlobName --file $File --overwrite | Out-Null
    return $LASTEXITCODE -eq 0
}

function Send-Folder([string] $Container, [string] $Prefix, [string] $Folder) {
    az storage blob upload-batch --only-show-errors --output none --auth-mode login `
        --account-name $env:AZURE_STORAGE_ACCOUNT_NAME --destination $Container --destination-path $Prefix --source $Folder --overwrite | Out-Null
    return $LASTEXITCODE -eq 0
}

# The first upload waits out role propagation: the deploying user's Storage Blob Data Owner
# assignment was made moments ago and can take several minutes to reach the data plane.
$attempts = 20
$delay = 30
$count = 0
$folders = @(Get-ChildItem -Path (Join-Path $root 'models') -Directory -ErrorAction SilentlyContinue |
    Where-Object { Test-Path -Path (Join-Path $_.FullName 'model.json') -PathType Leaf })
foreach ($modelFolder in $folders) {
    $folder = $modelFolder.FullName
    $name = $modelFolder.Name
    $definition = Join-Path $folder 'model.json'
    Write-Host "model ${name}: model.json -> models/$name/model.json"
    if (-not (Invoke-WithRetry $attempts $delay { Send-File 'models' "$name/model.json" $definition })) {
        Stop-Hook "could not upload $definition. The account allows Entra ID sign-in only: does your az account hold Storage Blob Data Owner on $($env:AZURE_STORAGE_ACCOUNT_NAME)? (azd grants it to AZURE_PRINCIPAL_ID)"
    }
    $attempts = 3
    $delay = 10

    $model = Get-Content -Raw -Path $definition | ConvertFrom-Json
    $data = if ($model.PSObject.Properties['data'] -and $model.data) { [string] $model.data } else { 'data/' }
    $dataPath = Join-Path $folder $data.TrimEnd('/', '\')
    if (Test-Path -Path $dataPath -PathType Container) {
        Write-Host "model ${name}: $data -> training/$name/"
        if (-not (Invoke-WithRetry $attempts $delay { Send-Folder 'training' $name $dataPath })) { Stop-Hook "could not upload $dataPath" }
    }
    elseif (Test-Path -Path $dataPath -PathType Leaf) {
        $file = Split-Path -Leaf $dataPath
        Write-Host "model ${name}: $data -> training/$name/$file"
        if (-not (Invoke-WithRetry $attempts $delay { Send-File 'training' "$name/$file" $dataPath })) { Stop-Hook "could not upload $dataPath" }
    }
    else {
        Write-Host "model ${name}: no training data at $data (relative to its model.json); skipped"
    }
    $count++
}
if ($count -eq 0) {
    Write-Host 'no models/<name>/model.json found: the model store starts empty'
}
else {
    Write-Host "uploaded $count model definition(s) with their training data to $($env:AZURE_STORAGE_ACCOUNT_NAME)"
}

$settings = Join-Path $root 'src/FunctionsMl.Functions/local.settings.json'
if (Test-Path -Path $settings) {
    Write-Host 'kept the existing src/FunctionsMl.Functions/local.settings.json (delete it and run azd provision to regenerate)'
}
else {
    # Azurite for everything: a local `func start` must never consume the deployed app's queue messages.
    $values = [ordered] @{
        AzureWebJobsStorage      = 'UseDevelopmentStorage=true'
        FunctionsMlStorage       = 'UseDevelopmentStorage=true'
        FUNCTIONS_WORKER_RUNTIME = 'dotnet-isolated'
        TASKHUB_NAME             = $env:TASKHUB_NAME
        FunctionsMl__Storage     = 'azure'
    }
    [ordered] @{ IsEncrypted = $false; Values = $values } | ConvertTo-Json -Depth 3 | Set-Content -Path $settings -Encoding utf8NoBOM
    Write-Host 'wrote src/FunctionsMl.Functions/local.settings.json (Azurite; start it with: azurite --silent)'
}
