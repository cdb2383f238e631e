#!/usr/bin/env bash
# Offline checks of the Azure deployment: azure.yaml, infra/ (Bicep), scripts/ (azd hooks).
# Needs no Azure account, no network and no Bicep compiler (a `bicep` already on PATH is used when
# present). Prints one line per check and exits non-zero if any check fails.
#
#   tests/infra/check_infra.sh              check this repository, then prove each check can fail
#   tests/infra/check_infra.sh ROOT [CHECK]  check the tree at ROOT only, or only the check named CHECK
#                                           (the self-test runs it so on broken copies)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
only=${2:-}
if [ $# -gt 0 ]; then
  root=$(cd "$1" && pwd) || exit 2
  run_self_test=0
else
  root=$(cd "$here/../.." && pwd)
  run_self_test=1
fi
cd "$root" || exit 2

# --- What the C# code, DESIGN.md §4 and the deployment brief fix. Change them together. ---------
service_name=api
service_project=src/FunctionsMl.Functions
scoring_function=ScoreIncomingBlob
expected_containers='failed incoming models runs scored training'
expected_queues='scoring-requests scoring-requests-poison scoring-results'
required_outputs='AZURE_FUNCTION_APP_NAME AZURE_FUNCTION_APP_URL RESOURCE_GROUP AZURE_STORAGE_ACCOUNT_NAME
  AZURE_STORAGE_BLOB_ENDPOINT EVENTGRID_SYSTEM_TOPIC_NAME AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID
  APPLICATIONINSIGHTS_CONNECTION_STRING'
required_app_settings='AzureWebJobsStorage__credential AzureWebJobsStorage__clientId
  AzureWebJobsStorage__blobServiceUri AzureWebJobsStorage__queueServiceUri AzureWebJobsStorage__tableServiceUri
  FunctionsMlStorage__credential FunctionsMlStorage__clientId FunctionsMlStorage__blobServiceUri
  FunctionsMlStorage__queueServiceUri FunctionsMl__Storage TASKHUB_NAME
  APPLICATIONINSIGHTS_CONNECTION_STRING APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
# Settings Flex Consumption rejects or ignores, plus the key-based host storage connection.
forbidden_settings='FUNCTIONS_WORKER_RUNTIME FUNCTIONS_EXTENSION_VERSION WEBSITE_RUN_FROM_PACKAGE
  WEBSITE_CONTENTAZUREFILECONNECTIONSTRING WEBSITE_CONTENTSHARE linuxFxVersion netFrameworkVersion alwaysOn
  AzureWebJobsStorage'
# Variables azd sets for hooks by itself, besides the infra outputs.
azd_variables='AZURE_ENV_NAME AZURE_LOCATION AZURE_SUBSCRIPTION_ID AZURE_PRINCIPAL_ID AZURE_PRINCIPAL_TYPE AZURE_TENANT_ID'

main=infra/main.bicep
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- Runner ---------------------------------------------------------------------------------------
passed=0
failed=0
skipped=0
SKIP=77

# check NAME FUNCTION [ARG...]: the function prints why it failed (or why it skipped, returning 77).
check() {
  local name=$1 out status
  shift
  [ -z "$only" ] || [ "$name" = "$only" ] || [ "$name" = 'azure.yaml parses' ] || return 0
  out=$("$@" 2>&1)
  status=$?
  if [ "$status" -eq 0 ]; then
    passed=$((passed + 1))
    printf 'ok    %s\n' "$name"
  elif [ "$status" -eq "$SKIP" ]; then
    skipped=$((skipped + 1))
    printf 'skip  %s: %s\n' "$name" "$out"
  else
    failed=$((failed + 1))
    printf 'FAIL  %s\n' "$name"
    [ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/      /'
  fi
}

# Collects problems inside a check; the check fails if any were noted.
problems=0
problem() {
  printf '%s\n' "$*"
  problems=$((problems + 1))
}
verdict() { [ "$problems" -eq 0 ]; }

# --- Readers ----------------------------------------------------------------------------------------

# flat_yaml FILE: a YAML subset (block maps, scalars, '- scalar' items, comments) as path=value lines.
# Exits non-zero on anything outside that subset, which is all azure.yaml should need.
flat_yaml() {
  awk '
    function fail(why) { printf "%s:%d: %s\n", FILENAME, NR, why; bad = 1; exit 1 }
    {
      line = $0
      if (line ~ /\t/) fail("tab character (YAML indents with spaces)")
      if (line ~ /^[ ]*#/ || line ~ /^[ ]*$/) next
      sub(/[ ]+#.*$/, "", line)
      match(line, /^ */)
      indent = RLENGTH
      text = substr(line, indent + 1)
      if (indent % 2) fail("indent of " indent " spaces is not a multiple of 2")
      depth = indent / 2
      if (depth > open + 0) fail("indented deeper than the line before allows")
      if (text ~ /^- /) {
        key = items[depth]++
        value = substr(text, 3)
      } else if (text ~ /^[A-Za-z0-9_.-]+:( |$)/) {
        key = substr(text, 1, index(text, ":") - 1)
        value = substr(text, length(key) + 2)
        sub(/^ +/, "", value)
        items[depth + 1] = 0
      } else {
        fail("not a \"key: value\" or \"- item\" line: " text)
      }
      if (value ~ /^["\047].*["\047]$/) value = substr(value, 2, length(value) - 2)
      if (value ~ /^[\[{&*|>]/) fail("flow, anchor or block scalar syntax is outside the checked subset: " text)
      path[depth] = key
      full = path[0]
      for (d = 1; d <= depth; d++) full = full "." path[d]
      if (value == "") open = depth + 1
      else { open = depth; print full "=" value }
    }
  ' "$1"
}

yaml_value() { sed -n "s/^$2=//p" "$1" | head -n 1; } # FLAT_FILE PATH

# bicep_code FILE: the file without comments (strings kept). bicep_bare FILE: also empties every
# string literal, leaving ''. Single-line strings only; interpolations must not nest quotes.
bicep_strip() {
  awk -v mode="$2" '
    {
      line = $0; out = ""; n = length(line); i = 1
      while (i <= n) {
        c = substr(line, i, 1); two = substr(line, i, 2)
        if (block) { if (two == "*/") { block = 0; i += 2 } else i++; continue }
        if (str) {
          if (c == "\\") { if (mode == "code") out = out two; i += 2; continue }
          if (c == "\047") { str = 0; out = out c; i++; continue }
          if (mode == "code") out = out c
          i++; continue
        }
        if (two == "//") break
        if (two == "/*") { block = 1; i += 2; continue }
        if (c == "\047") str = 1
        out = out c; i++
      }
      print out
    }
  ' "$1"
}
bicep_cached() { # FILE MODE: each file is stripped once per run
  local cached="$work/strip/$1.$2"
  if [ ! -f "$cached" ]; then
    mkdir -p "$(dirname "$cached")"
    bicep_strip "$1" "$2" >"$cached"
  fi
  cat "$cached"
}
bicep_code() { bicep_cached "$1" code; }
bicep_bare() { bicep_cached "$1" bare; }

# module_calls FILE: "symbol<TAB>reference" for every module declaration.
module_calls() {
  bicep_code "$1" | sed -n "s/^module[ \t]\{1,\}\([A-Za-z_][A-Za-z0-9_]*\)[ \t]\{1,\}'\([^']*\)'.*/\1\t\2/p"
}

# module_block FILE SYMBOL: the code of one module declaration, from its first line to its closing brace.
module_block() {
  bicep_code "$1" | awk -v sym="$2" '
    { bare = $0; gsub(/\047[^\047]*\047/, "", bare) }
    !inside && $0 ~ ("^module[ \t]+" sym "[ \t]") { inside = 1; depth = 0 }
    inside {
      print
      depth += gsub(/[{[(]/, "", bare) - gsub(/[]})]/, "", bare)
      if (depth <= 0 && $0 ~ /[}\]]/) exit
    }
  '
}

# module_param_keys FILE SYMBOL: the keys of the params object passed in one module declaration.
module_param_keys() {
  module_block "$1" "$2" | awk '
    { bare = $0; gsub(/\047[^\047]*\047/, "", bare) }
    inparams && depth == pdepth + 1 && bare ~ /^[ \t]*[A-Za-z_][A-Za-z0-9_]*[ \t]*:/ {
      key = bare; sub(/^[ \t]*/, "", key); sub(/[ \t]*:.*/, "", key); print key
    }
    !inparams && bare ~ /^[ \t]*params[ \t]*:[ \t]*\{/ { inparams = 1; pdepth = depth }
    {
      depth += gsub(/[{[(]/, "", bare) - gsub(/[]})]/, "", bare)
      if (inparams && depth <= pdepth) inparams = 0
    }
  '
}

# bicep_params FILE: "name<TAB>required|optional" for each param declaration.
bicep_params() {
  bicep_code "$1" | awk '
    /^param[ \t]/ {
      rest = $0; sub(/^param[ \t]+/, "", rest)
      name = rest; sub(/[ \t].*/, "", name)
      type = substr(rest, length(name) + 1); sub(/[ \t]+$/, "", type)
      print name "\t" ((type ~ /=/ || type ~ /\?$/) ? "optional" : "required")
    }
  '
}

bicep_outputs() { bicep_code "$1" | sed -n 's/^output[ \t]\{1,\}\([A-Za-z_][A-Za-z0-9_]*\)[ \t].*/\1/p'; }

# bicep_string_array FILE VAR: the string items of `var VAR = [ ... ]`, one a line.
bicep_string_array() {
  bicep_code "$1" | awk -v var="$2" '
    $0 ~ ("^var[ \t]+" var "[ \t]*=") { inside = 1 }
    inside {
      line = $0
      while (match(line, /\047[^\047]*\047/)) { print substr(line, RSTART + 1, RLENGTH - 2); line = substr(line, RSTART + RLENGTH) }
      if ($0 ~ /\]/) exit
    }
  '
}

words_sorted() { tr -s ' \t\n' '\n\n\n' | sed '/^$/d' | sort -u | tr '\n' ' ' | sed 's/ $//'; }

# json_query FILE EXPR: EXPR is a dotted path; prints the value, or the keys (one a line) of an object.
json_query() {
  if command -v jq >/dev/null 2>&1; then
    jq -er --arg p "$2" 'getpath($p | split(".") | map(select(. != ""))) | if type == "object" then keys_unsorted[] else tostring end' "$1"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
for k in filter(None, sys.argv[2].split(".")):
    if not isinstance(v, dict) or k not in v: sys.exit(3)
    v = v[k]
print("\n".join(v) if isinstance(v, dict) else ("true" if v is True else "false" if v is False else v))
    ' "$1" "$2"
  elif command -v node >/dev/null 2>&1; then
    node -e '
      const fs = require("fs");
      let v = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
      for (const k of process.argv[2].split(".").filter(Boolean)) v = v?.[k];
      if (v === undefined) process.exit(3);
      console.log(typeof v === "object" && v !== null ? Object.keys(v).join("\n") : String(v));
    ' "$1" "$2"
  else
    return "$SKIP"
  fi
}
have_json_tool() { command -v node >/dev/null 2>&1 || command -v python3 >/dev/null 2>&1 || command -v jq >/dev/null 2>&1; }

bicep_files() { find infra -name '*.bicep' -type f | sort; }

# hook_scripts posix|windows: the scripts azure.yaml runs for that platform.
hook_scripts() { sed -n "s/^hooks\.[A-Za-z]*\.$1\.run=//p" "$work/azure.flat" | sed 's|^\./||'; }

# sourced_scripts SCRIPT: helper scripts a hook sources from scripts/ (". "$scripts/x.sh"" or
# ". (Join-Path $PSScriptRoot 'x.ps1')").
sourced_scripts() {
  sed -n -e 's|^\. "\$scripts/\([^"]*\)".*|scripts/\1|p' \
    -e "s|^\. (Join-Path \$PSScriptRoot '\([^']*\)').*|scripts/\1|p" "$1"
}

all_hook_files() { # posix|windows
  local script
  for script in $(hook_scripts "$1"); do
    printf '%s\n' "$script"
    [ -f "$script" ] && sourced_scripts "$script"
  done | sort -u
}

# --- azure.yaml -------------------------------------------------------------------------------------

check_yaml_parses() {
  [ -f azure.yaml ] || { echo "azure.yaml is missing"; return 1; }
  flat_yaml azure.yaml >"$work/azure.flat"
}

check_service() {
  problems=0
  local services project
  services=$(sed -n 's/^services\.\([^.=]*\)\..*/\1/p' "$work/azure.flat" | sort -u | tr '\n' ' ')
  [ "$services" = "$service_name " ] || problem "services: expected exactly '$service_name', found '${services% }'"
  project=$(yaml_value "$work/azure.flat" "services\.$service_name\.project")
  project=${project#./}
  project=${project%/}
  [ "$project" = "$service_project" ] || problem "services.$service_name.project is '$project', expected ./$service_project"
  compgen -G "$project/*.csproj" >/dev/null || problem "no .csproj in $project"
  [ "$(yaml_value "$work/azure.flat" "services\.$service_name\.language")" = dotnet ] || problem "services.$service_name.language must be dotnet"
  [ "$(yaml_value "$work/azure.flat" "services\.$service_name\.host")" = function ] || problem "services.$service_name.host must be function"
  verdict
}

check_hooks_declared() {
  problems=0
  local event platform shell
  for event in postprovision postdeploy; do
    for platform in posix windows; do
      [ -n "$(yaml_value "$work/azure.flat" "hooks\.$event\.$platform\.run")" ] || problem "hooks.$event.$platform.run is missing"
    done
    shell=$(yaml_value "$work/azure.flat" "hooks\.$event\.posix\.shell")
    [ "$shell" = sh ] || problem "hooks.$event.posix.shell is '$shell', expected sh"
    shell=$(yaml_value "$work/azure.flat" "hooks\.$event\.windows\.shell")
    [ "$shell" = pwsh ] || problem "hooks.$event.windows.shell is '$shell', expected pwsh"
  done
  verdict
}

check_hook_files() {
  problems=0
  local file mode
  for file in $(all_hook_files posix) $(all_hook_files windows); do
    [ -f "$file" ] || { problem "$file is referenced but missing"; continue; }
  done
  # azd runs posix hooks as programs (their shebang picks the shell), so they must be executable,
  # in the working tree and in git (a fresh clone takes the mode from the index).
  for file in $(hook_scripts posix); do
    [ -f "$file" ] || continue
    [ -x "$file" ] || problem "$file is not executable (chmod +x)"
    head -n 1 "$file" | grep -q '^#!/bin/sh' || problem "$file does not start with #!/bin/sh"
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1 && [ "$(git rev-parse --show-toplevel)" = "$root" ]; then
      mode=$(git ls-files -s -- "$file" | cut -d ' ' -f 1)
      [ -z "$mode" ] || [ "$mode" = 100755 ] || problem "$file has git mode $mode (git update-index --chmod=+x $file)"
    fi
  done
  verdict
}

check_sh_syntax() {
  problems=0
  local file
  command -v sh >/dev/null 2>&1 || { echo "no sh"; return "$SKIP"; }
  for file in $(all_hook_files posix); do
    [ -f "$file" ] || continue
    sh -n "$file" 2>&1 || problem "$file: sh -n failed"
  done
  verdict
}

check_pwsh_syntax() {
  command -v pwsh >/dev/null 2>&1 || { echo "pwsh not installed; the Windows twins are only read by the other checks"; return "$SKIP"; }
  problems=0
  local file
  for file in $(all_hook_files windows); do
    [ -f "$file" ] || continue
    pwsh -NoProfile -NonInteractive -Command '
      $errors = $null
      [System.Management.Automation.Language.Parser]::ParseFile($args[0], [ref] $null, [ref] $errors) | Out-Null
      $errors | ForEach-Object { Write-Output ("{0}:{1}: {2}" -f $args[0], $_.Extent.StartLineNumber, $_.Message) }
      exit $errors.Count' "$file" || problem "$file does not parse"
  done
  verdict
}

# --- Bicep ------------------------------------------------------------------------------------------

check_bicep_text() {
  problems=0
  local file counts quotes
  for file in $(bicep_files); do
    quotes=$(bicep_bare "$file" | grep -n '"' | tr '\n' ' ')
    [ -z "$quotes" ] || problem "$file: double quotes in code (Bicep strings take single quotes): line $quotes"
    counts=$(bicep_bare "$file" | awk '{ o += gsub(/[{]/, ""); c += gsub(/[}]/, ""); ob += gsub(/\[/, ""); cb += gsub(/\]/, ""); op += gsub(/\(/, ""); cp += gsub(/\)/, "") }
      END { if (o != c) print "{ " o " vs } " c; if (ob != cb) print "[ " ob " vs ] " cb; if (op != cp) print "( " op " vs ) " cp }')
    [ -z "$counts" ] || problem "$file has unbalanced brackets: $counts"
  done
  [ -f "$main" ] || problem "$main is missing"
  grep -q "^targetScope = 'subscription'" "$main" || problem "$main must be at subscription scope"
  verdict
}

check_modules() {
  problems=0
  local file symbol ref dir
  for file in $(bicep_files); do
    dir=$(dirname "$file")
    while IFS=$'\t' read -r symbol ref; do
      case "$ref" in
        br/public:avm/*)
          [[ "$ref" =~ ^br/public:avm/(res|ptn|utl)/[a-z0-9/-]+:[0-9]+\.[0-9]+\.[0-9]+$ ]] \
            || problem "$file: module $symbol '$ref' is not an AVM reference pinned to major.minor.patch"
          ;;
        br:* | br/* | ts:* | ts/*) problem "$file: module $symbol '$ref' comes from a registry other than the public AVM one" ;;
        *) [ -f "$dir/$ref" ] || problem "$file: module $symbol '$ref' does not exist (looked for $dir/$ref)" ;;
      esac
    done < <(module_calls "$file")
  done
  verdict
}

# Parameters passed to local modules exist there, required ones are passed, and referenced outputs exist.
check_module_interfaces() {
  problems=0
  local file symbol ref dir target key passed declared required output
  for file in $(bicep_files); do
    dir=$(dirname "$file")
    while IFS=$'\t' read -r symbol ref; do
      target="$dir/$ref"
      case "$ref" in br*:* | ts*:*) continue ;; esac
      [ -f "$target" ] || continue
      passed=$(module_param_keys "$file" "$symbol" | sort -u)
      declared=$(bicep_params "$target")
      for key in $passed; do
        cut -f 1 <<<"$declared" | grep -qx "$key" || problem "$file: module $symbol passes '$key', which $target does not declare"
      done
      for required in $(awk -F '\t' '$2 == "required" { print $1 }' <<<"$declared"); do
        printf '%s\n' "$passed" | grep -qx "$required" || problem "$file: module $symbol does not pass required parameter '$required' of $target"
      done
      for output in $(bicep_code "$file" | grep -o "\b$symbol\.outputs\.[A-Za-z_][A-Za-z0-9_]*" | sed 's/.*\.//' | sort -u); do
        bicep_outputs "$target" | grep -qx "$output" || problem "$file: $symbol.outputs.$output is not an output of $target"
      done
    done < <(module_calls "$file")
  done
  verdict
}

check_outputs() {
  problems=0
  local name
  for name in $required_outputs; do
    bicep_outputs "$main" | grep -qx "$name" || problem "$main has no output $name"
  done
  verdict
}

# Every upper-case variable a hook reads is a main.bicep output or a variable azd sets itself.
check_hook_variables() {
  problems=0
  local file name allowed
  allowed=$( (bicep_outputs "$main"; printf '%s\n' $azd_variables) | sort -u)
  {
    for file in $(all_hook_files posix); do
      [ -f "$file" ] || continue
      grep -oE '(^|[^\\])\$\{?[A-Z][A-Z0-9_]*' "$file" | sed 's/.*\${\{0,1\}//' | sed "s|^|$file |"
      awk '{ if (joined != "") line = joined $0; else line = $0
             if (line ~ /\\$/) { sub(/\\$/, " ", line); joined = line; next }
             joined = ""; if (line ~ /^[ \t]*require_env[ \t]/) print line }' "$file" \
        | tr ' \t' '\n\n' | grep -E '^[A-Z][A-Z0-9_]*$' | sed "s|^|$file |"
    done
    for file in $(all_hook_files windows); do
      [ -f "$file" ] || continue
      grep -oE '\$env:[A-Z][A-Z0-9_]*' "$file" | sed 's/^\$env://' | sed "s|^|$file |"
      awk '/Assert-Env[ \t]+@\(/ { inside = 1 } inside { print } inside && /\)/ { inside = 0 }' "$file" \
        | grep -oE "'[A-Z][A-Z0-9_]*'" | tr -d "'" | sed "s|^|$file |"
    done
  } | sort -u >"$work/hook-vars"
  [ -s "$work/hook-vars" ] || problem "found no variables in the hook scripts (are they there?)"
  while read -r file name; do
    printf '%s\n' "$allowed" | grep -qx "$name" || problem "$file reads $name, which is neither a main.bicep output nor an azd variable"
  done <"$work/hook-vars"
  verdict
}

check_storage_names() {
  problems=0
  local containers queues block
  containers=$(bicep_string_array "$main" dataContainerNames | words_sorted)
  queues=$(bicep_string_array "$main" queueNames | words_sorted)
  [ "$containers" = "$expected_containers" ] || problem "dataContainerNames is '$containers', expected '$expected_containers'"
  [ "$queues" = "$expected_queues" ] || problem "queueNames is '$queues', expected '$expected_queues'"
  block=$(module_block "$main" storage)
  grep -q 'containers:.*deploymentContainerName.*dataContainerNames' <<<"$block" || problem "the storage module does not create deploymentContainerName and dataContainerNames"
  grep -q 'queues:.*queueNames' <<<"$block" || problem "the storage module does not create queueNames"
  grep -q 'deploymentContainerName: deploymentContainerName' <<<"$(module_block "$main" api)" || problem "the api module is not given the deployment container"
  verdict
}

# Containers the hooks write to or subscribe to are among the ones main.bicep creates.
check_hook_containers() {
  problems=0
  local file name containers
  containers=$(bicep_string_array "$main" dataContainerNames)
  for file in $(all_hook_files posix) $(all_hook_files windows); do
    [ -f "$file" ] || continue
    for name in $(sed -n -E -e "s/.*(upload_file|upload_folder) ([a-z0-9-]+) .*/\2/p" \
      -e "s/.*Send-(File|Folder) '([a-z0-9-]+)'.*/\2/p" \
      -e "s/^[ \t]*container=([a-z0-9-]+).*/\1/p" \
      -e "s/^[ \t]*\\\$container = '([a-z0-9-]+)'.*/\1/p" "$file" | sort -u); do
      printf '%s\n' "$containers" | grep -qx "$name" || problem "$file uses container '$name', which main.bicep does not create"
    done
  done
  grep -q '^[ \t]*container=incoming' scripts/postdeploy.sh 2>/dev/null || problem "scripts/postdeploy.sh does not subscribe container incoming"
  verdict
}

check_security() {
  problems=0
  local storage insights
  storage=$(module_block "$main" storage)
  insights=$(module_block "$main" appInsights)
  grep -q "^[ \t]*allowSharedKeyAccess: false" <<<"$storage" || problem "storage: allowSharedKeyAccess: false is missing"
  grep -q "^[ \t]*allowBlobPublicAccess: false" <<<"$storage" || problem "storage: allowBlobPublicAccess: false is missing"
  grep -q "^[ \t]*minimumTlsVersion: 'TLS1_2'" <<<"$storage" || problem "storage: minimumTlsVersion: 'TLS1_2' is missing"
  grep -q "^[ \t]*disableLocalAuth: true" <<<"$insights" || problem "appInsights: disableLocalAuth: true is missing"
  grep -q "^[ \t]*disableLocalAuth: true" <<<"$(module_block "$main" logAnalytics)" || problem "logAnalytics: disableLocalAuth: true is missing"
  verdict
}

check_flex() {
  problems=0
  local api=infra/app/api.bicep name file
  [ -f "$api" ] || { echo "$api is missing"; return 1; }
  bicep_code "$api" >"$work/api.code"
  grep -q "^[ \t]*name: 'dotnet-isolated'" "$work/api.code" || problem "$api: runtime name 'dotnet-isolated' is missing"
  grep -q "^[ \t]*version: '10.0'" "$work/api.code" || problem "$api: runtime version '10.0' is missing (Azure rejects '10')"
  grep -q "^[ \t]*kind: 'functionapp,linux'" "$work/api.code" || problem "$api: kind 'functionapp,linux' is missing"
  grep -q "^[ \t]*type: 'blobContainer'" "$work/api.code" || problem "$api: the deployment storage is not a blob container"
  grep -q "^[ \t]*type: 'UserAssignedIdentity'" "$work/api.code" || problem "$api: the deployment container is not reached with the user-assigned identity"
  grep -q "skuName: 'FC1'" <<<"$(module_block "$main" plan)" || problem "plan: skuName 'FC1' is missing"
  grep -q "^param instanceMemoryMB int = 2048$" "$main" || problem "$main: instanceMemoryMB must default to 2048"
  grep -q "^param maximumInstanceCount int = 100$" "$main" || problem "$main: maximumInstanceCount must default to 100"
  local pattern
  pattern="(^|[^A-Za-z0-9_])($(printf '%s\n' $forbidden_settings | paste -sd '|'))[ \t]*:"
  for file in $(bicep_files); do
    for name in $(bicep_code "$file" | grep -oE "$pattern" | sed -E 's/^[^A-Za-z]*//; s/[ \t]*:$//' | sort -u); do
      problem "$file sets $name, which Flex Consumption (or keyless storage) rules out"
    done
  done
  verdict
}

check_app_settings() {
  problems=0
  local api=infra/app/api.bicep name
  bicep_code "$api" | awk '/^var appSettings = \{/ { inside = 1; next } inside && /^\}/ { exit } inside' >"$work/settings"
  [ -s "$work/settings" ] || { echo "$api has no 'var appSettings = { ... }' block"; return 1; }
  for name in $required_app_settings; do
    grep -qE "^[ \t]*$name:" "$work/settings" || problem "$api: app setting $name is missing"
  done
  grep -q "FunctionsMlStorage__credential: 'managedidentity'" "$work/settings" || problem "$api: FunctionsMlStorage__credential must be 'managedidentity'"
  grep -q "FunctionsMl__Storage: 'azure'" "$work/settings" || problem "$api: FunctionsMl__Storage must be 'azure'"
  verdict
}

check_rbac() {
  problems=0
  local rbac=infra/app/rbac.bicep pair id role assignments named
  [ -f "$rbac" ] || { echo "$rbac is missing"; return 1; }
  for pair in 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b:Storage Blob Data Owner' \
    '974c5e8b-45b9-4653-ba55-5f855dd0fb88:Storage Queue Data Contributor' \
    '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3:Storage Table Data Contributor' \
    '3913510d-42f4-4e42-8a64-420c390055eb:Monitoring Metrics Publisher'; do
    id=${pair%%:*}
    role=${pair#*:}
    grep -q "'$id'.*// $role" "$rbac" || problem "$rbac: role $role ($id) is missing or its line lacks the comment '// $role'"
  done
  assignments=$(grep -c "^resource .*'Microsoft.Authorization/roleAssignments@" "$rbac")
  named=$(bicep_code "$rbac" | grep -c "^[ \t]*name: guid(")
  [ "$assignments" -gt 0 ] && [ "$assignments" = "$named" ] || problem "$rbac: $assignments role assignment(s) but $named name(s) from guid()"
  grep -q "userPrincipalId: principalId" <<<"$(module_block "$main" rbac)" || problem "the rbac module does not grant the deploying principal"
  verdict
}

check_tags() {
  problems=0
  grep -q "'azd-env-name': environmentName" "$main" || problem "$main: tag 'azd-env-name' is missing"
  grep -q "'azd-service-name': '$service_name'" infra/app/api.bicep || problem "infra/app/api.bicep: tag 'azd-service-name': '$service_name' (azure.yaml's service) is missing"
  verdict
}

check_parameters_file() {
  have_json_tool || { echo "no node, python3 or jq to read JSON"; return "$SKIP"; }
  problems=0
  local file=infra/main.parameters.json names name placeholder
  names=$(json_query "$file" parameters) || { echo "$file is not valid JSON with a parameters object"; return 1; }
  for placeholder in '${AZURE_ENV_NAME}' '${AZURE_LOCATION}' '${AZURE_PRINCIPAL_ID}'; do
    grep -qF "\"$placeholder\"" "$file" || problem "$file does not pass $placeholder"
  done
  for name in $names; do
    bicep_params "$main" | cut -f 1 | grep -qx "$name" || problem "$file sets '$name', which $main does not declare"
  done
  for name in $(bicep_params "$main" | awk -F '\t' '$2 == "required" { print $1 }'); do
    printf '%s\n' "$names" | grep -qx "$name" || problem "$file does not set required parameter '$name'"
  done
  verdict
}

check_abbreviations() {
  have_json_tool || { echo "no node, python3 or jq to read JSON"; return "$SKIP"; }
  problems=0
  local keys key
  keys=$(json_query infra/abbreviations.json '') || { echo "infra/abbreviations.json is not a JSON object"; return 1; }
  for key in $(bicep_code "$main" | grep -oE '\babbrs\.[A-Za-z]+' | sed 's/abbrs\.//' | sort -u); do
    printf '%s\n' "$keys" | grep -qx "$key" || problem "$main uses abbrs.$key, which infra/abbreviations.json lacks"
  done
  verdict
}

# docs/deploy.md names what the template creates and outputs, and the hooks' subscription.
check_docs() {
  problems=0
  local doc=docs/deploy.md name subscription
  [ -f "$doc" ] || { echo "$doc is missing"; return 1; }
  for name in $required_outputs $expected_containers $expected_queues; do
    grep -q "\b$name\b" "$doc" || problem "$doc does not mention $name"
  done
  subscription=$(sed -n 's/^subscription_name=//p' scripts/postdeploy.sh)
  [ -n "$subscription" ] && grep -q "$subscription" "$doc" || problem "$doc does not name the Event Grid subscription '$subscription'"
  grep -q 'azd down --purge' "$doc" || problem "$doc does not say how to tear down"
  verdict
}

# A Bicep CLI is not installed by this script (no registry here carries it). When one is on PATH,
# it compiles the local modules, and main.bicep too if the AVM modules can be restored.
check_bicep_cli() {
  local bicep file
  bicep=$(command -v bicep || true)
  [ -n "$bicep" ] || [ ! -x "$HOME/.azure/bin/bicep" ] || bicep=$HOME/.azure/bin/bicep
  [ -n "$bicep" ] || { echo "no bicep CLI on PATH; the text checks above stand in for it"; return "$SKIP"; }
  problems=0
  for file in infra/app/*.bicep; do
    "$bicep" build "$file" --stdout >/dev/null || problem "bicep build $file failed"
  done
  if "$bicep" restore "$main" >/dev/null 2>&1; then
    "$bicep" build "$main" --stdout >/dev/null || problem "bicep build $main failed"
  else
    echo "(AVM modules could not be restored offline; $main not compiled)"
  fi
  verdict
}

# --- Hooks, run against a stand-in az ------------------------------------------------------------

# prepare_hook_run NAME: a scratch copy of scripts/ with two model folders, and the environment azd would pass.
prepare_hook_run() {
  hook_root="$work/hooks-$1"
  rm -rf "$hook_root"
  mkdir -p "$hook_root/bin" "$hook_root/src/FunctionsMl.Functions" "$hook_root/models/iris/data" "$hook_root/models/house" "$hook_root/models/notes"
  mkdir -p "$hook_root/scripts"
  cp -p scripts/* "$hook_root/scripts/"
  cp "$here/fake-az" "$hook_root/bin/az"
  chmod +x "$hook_root/bin/az"
  printf '{\n  "name": "iris",\n  "task": "multiclass",\n  "label": "species",\n  "data": "data/"\n}\n' >"$hook_root/models/iris/model.json"
  printf 'sepal_length,species\n5.1,setosa\n' >"$hook_root/models/iris/data/iris.csv"
  printf '{ "name": "house", "task": "regression", "label": "price", "data": "train.csv" }\n' >"$hook_root/models/house/model.json"
  printf 'rooms,price\n3,100\n' >"$hook_root/models/house/train.csv"
  printf 'not a model\n' >"$hook_root/models/notes/README.md"
  : >"$hook_root/az.log"
}

run_hook() { # SCRIPT [VAR=VALUE...]: runs scripts/SCRIPT in the scratch copy; output in $hook_root/out
  local script=$1
  shift
  (cd "$hook_root" && env PATH="$hook_root/bin:$PATH" FAKE_AZ_LOG="$hook_root/az.log" \
    AZURE_ENV_NAME=ci AZURE_SUBSCRIPTION_ID=00000000-0000-0000-0000-000000000000 RESOURCE_GROUP=rg-ci \
    AZURE_FUNCTION_APP_NAME=func-api-ci AZURE_FUNCTION_APP_URL=http://127.0.0.1:9 \
    AZURE_STORAGE_ACCOUNT_NAME=stci AZURE_STORAGE_BLOB_ENDPOINT=https://stci.blob.core.windows.net/ \
    EVENTGRID_SYSTEM_TOPIC_NAME=egst-storage-ci TASKHUB_NAME=functionsml "$@" \
    "./scripts/$script") >"$hook_root/out" 2>&1
}

expect_call() { # FRAGMENT...: some recorded az call contains every fragment
  local line fragment all
  while IFS= read -r line; do
    all=1
    for fragment in "$@"; do
      case "$line" in *"$fragment"*) ;; *) all=0 ;; esac
    done
    [ "$all" -eq 0 ] || return 0
  done <"$hook_root/az.log"
  problem "no az call with: $*"
  sed 's/^/  az /' "$hook_root/az.log"
}

check_postprovision_uploads() {
  problems=0
  prepare_hook_run provision
  run_hook postprovision.sh || { cat "$hook_root/out"; return 1; }
  expect_call "storage blob upload " "--auth-mode login" "--account-name stci" "--container-name models" "--name iris/model.json" "--file $hook_root/models/iris/model.json"
  expect_call "storage blob upload-batch " "--auth-mode login" "--destination training" "--destination-path iris" "--source $hook_root/models/iris/data"
  expect_call "storage blob upload " "--container-name models" "--name house/model.json"
  expect_call "storage blob upload " "--container-name training" "--name house/train.csv" "--file $hook_root/models/house/train.csv"
  grep -q 'notes' "$hook_root/az.log" && problem "uploaded models/notes, which has no model.json"
  verdict
}

check_postprovision_local_settings() {
  have_json_tool || { echo "no node, python3 or jq to read JSON"; return "$SKIP"; }
  problems=0
  local settings value
  prepare_hook_run settings
  run_hook postprovision.sh || { cat "$hook_root/out"; return 1; }
  settings="$hook_root/src/FunctionsMl.Functions/local.settings.json"
  [ -f "$settings" ] || { echo "local.settings.json was not written"; return 1; }
  for pair in AzureWebJobsStorage=UseDevelopmentStorage=true FunctionsMlStorage=UseDevelopmentStorage=true \
    FUNCTIONS_WORKER_RUNTIME=dotnet-isolated TASKHUB_NAME=functionsml FunctionsMl__Storage=azure; do
    value=$(json_query "$settings" "Values.${pair%%=*}") || value='(missing or invalid JSON)'
    [ "$value" = "${pair#*=}" ] || problem "local.settings.json Values.${pair%%=*} is '$value', expected '${pair#*=}'"
  done
  [ "$(json_query "$settings" IsEncrypted)" = false ] || problem "local.settings.json IsEncrypted is not false"
  printf '{ "mine": true }\n' >"$settings"
  run_hook postprovision.sh || { cat "$hook_root/out"; return 1; }
  grep -q '"mine"' "$settings" || problem "a second run overwrote an existing local.settings.json"
  verdict
}

check_postdeploy_subscription() {
  problems=0
  local endpoint="http://127.0.0.1:9/runtime/webhooks/blobs?functionName=Host.Functions.$scoring_function&code=fake-blobs-key"
  local common=("--resource-group rg-ci" "--system-topic-name egst-storage-ci" "--endpoint $endpoint"
    "--included-event-types Microsoft.Storage.BlobCreated" "--subject-begins-with /blobServices/default/containers/incoming/")
  prepare_hook_run deploy-new
  run_hook postdeploy.sh FAKE_AZ_SUBSCRIPTION_SHOW_EXIT=3 || { cat "$hook_root/out"; return 1; }
  expect_call "functionapp keys list " "--name func-api-ci" "--query systemKeys.blobs_extension"
  expect_call "eventgrid system-topic event-subscription create " "--endpoint-type webhook" "${common[@]}"
  grep -q 'func-api-ci --query functionKeys.default' "$hook_root/out" || problem "postdeploy does not print how to get a function key"

  prepare_hook_run deploy-again
  run_hook postdeploy.sh FAKE_AZ_SUBSCRIPTION_SHOW_EXIT=0 || { cat "$hook_root/out"; return 1; }
  expect_call "eventgrid system-topic event-subscription update " "${common[@]}"
  grep -q 'event-subscription create' "$hook_root/az.log" && problem "a second run created the subscription again instead of updating it"
  verdict
}

check_hooks_require_outputs() {
  problems=0
  prepare_hook_run missing
  if run_hook postdeploy.sh EVENTGRID_SYSTEM_TOPIC_NAME=; then
    problem "postdeploy.sh succeeded without EVENTGRID_SYSTEM_TOPIC_NAME"
  fi
  grep -q 'EVENTGRID_SYSTEM_TOPIC_NAME is not set' "$hook_root/out" || problem "postdeploy.sh did not name the missing variable: $(cat "$hook_root/out")"
  [ ! -s "$hook_root/az.log" ] || problem "postdeploy.sh called az before checking its inputs"
  prepare_hook_run signed-out
  run_hook postprovision.sh FAKE_AZ_SIGNED_IN_EXIT=1 && problem "postprovision.sh went on with az signed out"
  grep -q 'az login' "$hook_root/out" || problem "postprovision.sh did not say to run az login"
  verdict
}

# --- Self-test: every check above must be able to fail -----------------------------------------

self_test() {
  local copy="$work/self-test" case_name expect out
  problems=0
  mkdir -p "$copy/src/FunctionsMl.Functions" "$copy/tests"
  mkdir -p "$copy/docs"
  cp -Rp azure.yaml infra scripts "$copy/"
  cp -p docs/deploy.md "$copy/docs/"
  cp -Rp tests/infra "$copy/tests/"
  cp -p src/FunctionsMl.Functions/*.csproj "$copy/src/FunctionsMl.Functions/"
  out=$("$copy/tests/infra/check_infra.sh" "$copy" 2>&1) || { echo "the unmodified copy fails:"; echo "$out"; return 1; }

  # case NAME EXPECTED_FAILING_CHECK COMMAND...: break a fresh copy, expect that check to fail.
  while IFS='|' read -r case_name expect command; do
    [ -n "$case_name" ] || continue
    rm -rf "$copy.case" && cp -Rp "$copy" "$copy.case"
    (cd "$copy.case" && eval "$command") || { problem "$case_name: could not apply the breakage"; continue; }
    out=$("$copy.case/tests/infra/check_infra.sh" "$copy.case" "$expect" 2>&1) && problem "$case_name: the checks passed"
    grep -q "^FAIL  $expect\$" <<<"$out" || problem "$case_name: expected 'FAIL  $expect'; got: $(grep '^FAIL' <<<"$out" | tr '\n' ';')"
  done <<'CASES'
wrong project path|azure.yaml service|sed -i 's|project: ./src/FunctionsMl.Functions|project: ./src/Missing|' azure.yaml
tab in azure.yaml|azure.yaml parses|sed -i 's|^  api:|\tapi:|' azure.yaml
hook not executable|hook scripts exist and are executable|chmod -x scripts/postdeploy.sh
missing hook script|hook scripts exist and are executable|rm scripts/postprovision.ps1
hook syntax error|hook scripts pass sh -n|printf 'if then\n' >>scripts/common.sh
module path typo|module references resolve|sed -i "s|'app/rbac.bicep'|'app/rbacs.bicep'|" infra/main.bicep
unpinned AVM module|module references resolve|sed -i 's|storage-account:0.33.0|storage-account:latest|' infra/main.bicep
unknown module param|local module interfaces match|sed -i 's|^    taskHubName: taskHubName|    taskHubName: taskHubName\n    bogus: 1|' infra/main.bicep
missing output|required outputs|sed -i '/^output EVENTGRID_SYSTEM_TOPIC_NAME/d' infra/main.bicep
hook reads an unknown output|hook variables are outputs|sed -i 's|AZURE_FUNCTION_APP_URL/runtime|AZURE_FUNCTION_APP_HOST/runtime|' scripts/postdeploy.sh
container renamed|storage containers and queues|sed -i "s|^  'runs'|  'run'|" infra/main.bicep
queue renamed|storage containers and queues|sed -i "s|^  'scoring-results'|  'scoring-result'|" infra/main.bicep
hook uploads elsewhere|hook containers exist|sed -i 's|upload_folder training|upload_folder train|' scripts/postprovision.sh
shared keys allowed|security settings|sed -i 's|allowSharedKeyAccess: false|allowSharedKeyAccess: true|' infra/main.bicep
local auth on|security settings|sed -i 's|^    disableLocalAuth: true|    disableLocalAuth: false|' infra/main.bicep
runtime 10|Flex Consumption settings|sed -i "s|version: '10.0'|version: '10'|" infra/app/api.bicep
worker runtime setting|Flex Consumption settings|sed -i "s|^  TASKHUB_NAME: taskHubName|  TASKHUB_NAME: taskHubName\n  FUNCTIONS_WORKER_RUNTIME: 'dotnet-isolated'|" infra/app/api.bicep
setting missing|app settings|sed -i '/FunctionsMlStorage__queueServiceUri/d' infra/app/api.bicep
role comment missing|role assignments|sed -i 's|// Storage Queue Data Contributor.*||' infra/app/rbac.bicep
service tag missing|azd tags|sed -i "s|'azd-service-name': 'api'|'azd-service-name': 'web'|" infra/app/api.bicep
double-quoted string|Bicep text|sed -i "s|skuName: 'Standard_LRS'|skuName: \"Standard_LRS\"|" infra/main.bicep
unbalanced braces|Bicep text|sed -i '$ a }' infra/app/rbac.bicep
broken parameters file|main.parameters.json|sed -i 's|"parameters": {|"parameters": {,|' infra/main.parameters.json
unknown abbreviation|abbreviations.json|sed -i 's|abbrs.webServerFarms|abbrs.webServerFarmz|' infra/main.bicep
upload path wrong|postprovision uploads models and training data|sed -i 's|"$name/model.json" "$definition"|"model.json" "$definition"|' scripts/postprovision.sh
local settings overwritten|postprovision writes local.settings.json|sed -i 's|^if \[ -f "$settings" \]; then|if false; then|' scripts/postprovision.sh
wrong function name|postdeploy subscribes ScoreIncomingBlob|sed -i 's|^function_name=ScoreIncomingBlob|function_name=ScoreBlob|' scripts/postdeploy.sh
no update path|postdeploy subscribes ScoreIncomingBlob|sed -i 's|^if subscription_exists; then|if false; then|' scripts/postdeploy.sh
docs miss a queue|deploy docs match|sed -i 's|scoring-requests-poison|scoring-requests-dead|g' docs/deploy.md
inputs unchecked|hooks check their inputs first|sed -i 's|^require_env AZURE_SUBSCRIPTION_ID RESOURCE_GROUP|require_env AZURE_SUBSCRIPTION_ID|; s|^  AZURE_STORAGE_ACCOUNT_NAME EVENTGRID_SYSTEM_TOPIC_NAME|  AZURE_STORAGE_ACCOUNT_NAME|' scripts/postdeploy.sh
CASES
  verdict
}

# --- Run ----------------------------------------------------------------------------------------------

check 'azure.yaml parses' check_yaml_parses
if [ -s "$work/azure.flat" ]; then
  check 'azure.yaml service' check_service
  check 'azure.yaml hooks' check_hooks_declared
  check 'hook scripts exist and are executable' check_hook_files
  check 'hook scripts pass sh -n' check_sh_syntax
  check 'hook scripts parse in pwsh' check_pwsh_syntax
  check 'hook variables are outputs' check_hook_variables
  check 'hook containers exist' check_hook_containers
fi
check 'Bicep text' check_bicep_text
check 'module references resolve' check_modules
check 'local module interfaces match' check_module_interfaces
check 'required outputs' check_outputs
check 'storage containers and queues' check_storage_names
check 'security settings' check_security
check 'Flex Consumption settings' check_flex
check 'app settings' check_app_settings
check 'role assignments' check_rbac
check 'azd tags' check_tags
check 'main.parameters.json' check_parameters_file
check 'abbreviations.json' check_abbreviations
check 'bicep CLI build' check_bicep_cli
check 'deploy docs match' check_docs
if command -v sh >/dev/null 2>&1; then
  check 'postprovision uploads models and training data' check_postprovision_uploads
  check 'postprovision writes local.settings.json' check_postprovision_local_settings
  check 'postdeploy subscribes ScoreIncomingBlob' check_postdeploy_subscription
  check 'hooks check their inputs first' check_hooks_require_outputs
fi
if [ "$run_self_test" -eq 1 ]; then
  check 'self-test: each check can fail' self_test
fi

if [ "$failed" -eq 0 ]; then
  printf 'check_infra: all %d checks ok (%d skipped)\n' "$passed" "$skipped"
else
  printf 'check_infra: %d of %d checks FAILED (%d skipped)\n' "$failed" "$((passed + failed))" "$skipped"
  exit 1
fi
