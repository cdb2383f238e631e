# Helpers shared by the azd hooks (PowerShell 7.2 or later: earlier versions turn redirected stderr of
# native commands into errors under ErrorActionPreference Stop). Dot-sourced, never run on its own.
# The twin of common.sh: keep the two in step.

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

function Stop-Hook([string] $Message) {
    Write-Host "error: $Message" -ForegroundColor Red
    exit 1
}

# The infra outputs (and azd variables) a hook reads. azd passes them to hooks as environment
# variables; tests/infra/check_infra.sh checks each name is a main.bicep output.
function Assert-Env([string[]] $Names) {
    foreach ($name in $Names) {
        if ([string]::IsNullOrEmpty([Environment]::GetEnvironmentVariable($name))) {
            Stop-Hook "$name is not set. Run this through azd (azd provision, azd deploy or azd up), or load the values from: azd env get-values"
        }
    }
}

function Assert-Az {
    if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
        Stop-Hook 'the Azure CLI (az) is not installed: https://learn.microsoft.com/cli/azure/install-azure-cli'
    }
    # azd and az keep separate sign-ins; the hooks use az's.
    az account show --subscription $env:AZURE_SUBSCRIPTION_ID --output none 2>$null | Out-Null
    if ($LASTEXITCODE -ne 0) {
        Stop-Hook "az is not signed in to subscription $($env:AZURE_SUBSCRIPTION_ID). Run: az login (then az account set --subscription $($env:AZURE_SUBSCRIPTION_ID))"
    }
}

# Runs $Action until it returns $true, at most $Attempts times: for things that become true a while
# after azd has finished, such as a new role assignment reaching the storage data plane (minutes) or
# a freshly deployed host creating its system keys. $Action must return a single boolean.
function Invoke-WithRetry([int] $Attempts, [int] $DelaySeconds, [scriptblock] $Action) {
    for ($n = 1; $n -le $Attempts; $n++) {
        if (& $Action) { return $true }
        if ($n -lt $Attempts) {
            Write-Host "  not yet (attempt $n of $Attempts), trying again in ${DelaySeconds}s"
            Start-Sleep -Seconds $DelaySeconds
        }
    }
    return $false
}
