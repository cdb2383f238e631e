#!/bin/sh
# azd postprovision hook (POSIX sh; postprovision.ps1 is the Windows twin).
#  1. Seeds the model store: models/<name>/model.json -> container models, blob <name>/model.json;
#     the files of the model's training data (its "data" entry, default data/) -> container training,
#     under <name>/. Existing blobs of the same name are overwritten; nothing else is touched.
#  2. Writes src/FunctionsMl.Functions/local.settings.json for `func start` against Azurite, unless
#     one exists already (it is gitignored and may hold your own settings).
set -eu

scripts=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
root=$(dirname -- "$scripts")
. "$scripts/common.sh"

require_env AZURE_SUBSCRIPTION_ID AZURE_STORAGE_ACCOUNT_NAME TASKHUB_NAME
require_az

upload_file() { # CONTAINER BLOB_NAME FILE
  az storage blob upload --only-show-errors --output none --auth-mode login \
    --account-name "$AZURE_STORAGE_ACCOUNT_NAME" --container-name "$1" --name "$2" --file "$3" --overwrite
}

upload_folder() { # CONTAINER PREFIX FOLDER
  az storage blob upload-batch --only-show-errors --output none --auth-mode login \
    --account-name "$AZURE_STORAGE_ACCOUNT_NAME" --destination "$1" --destination-path "$2" --source "$3" --overwrite
}

# The "data" entry of a model definition, or the documented default. A line-based read is enough
# for the flat model.json files this repository keeps; the app itself parses them properly.
data_entry() { # MODEL_JSON
  _data=$(sed -n 's/.*"data"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$1" | head -n 1)
  printf '%s' "${_data:-data/}"
}

# The first upload waits out role propagation: the deploying user's Storage Blob Data Owner
# assignment was made moments ago and can take several minutes to reach the data plane.
attempts=20
delay=30
count=0
for definition in "$root"/models/*/model.json; do
  [ -f "$definition" ] || continue
  folder=$(dirname -- "$definition")
  name=$(basename -- "$folder")
  say "model $name: model.json -> models/$name/model.json"
  retry "$attempts" "$delay" upload_file models "$name/model.json" "$definition" \
    || fail "could not upload $definition. The account allows Entra ID sign-in only: does your az account hold Storage Blob Data Owner on $AZURE_STORAGE_ACCOUNT_NAME? (azd grants it to AZURE_PRINCIPAL_ID)"
  attempts=3
  delay=10

  data=$(data_entry "$definition")
  data_path="$folder/${data%/}"
  if [ -d "$data_path" ]; then
    say "model $name: $data -> training/$name/"
    retry "$attempts" "$delay" upload_folder training "$name" "$data_path" || fail "could not upload $data_path"
  elif [ -f "$data_path" ]; then
    file=$(basename -- "$data_path")
    say "model $name: $data -> training/$name/$file"
    retry "$attempts" "$delay" upload_file training "$name/$file" "$data_path" || fail "could not upload $data_path"
  else
    say "model $name: no training data at $data (relative to its model.json); skipped"
  fi
  count=$((count + 1))
done
if [ "$count" -eq 0 ]; then
  say "no models/<name>/model.json found: the model store starts empty"
else
  say "uploaded $count model definition(s) with their training data to $AZURE_STORAGE_ACCOUNT_NAME"
fi

settings="$root/src/FunctionsMl.Functions/local.settings.json"
if [ -f "$settings" ]; then
  say "kept the existing ${settings#"$root"/} (delete it and run azd provision to regenerate)"
else
  # Azurite for everything: a local `func start` must never consume the deployed app's queue messages.
  cat >"$settings" <<JSON
{
  "IsEncrypted": false,
  "Values": {
    "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    "FunctionsMlStorage": "UseDevelopmentStorage=true",
    "FUNCTIONS_WORKER_RUNTIME": "dotnet-isolated",
    "TASKHUB_NAME": "$TASKHUB_NAME",
    "FunctionsMl__Storage": "azure"
  }
}
JSON
  say "wrote ${settings#"$root"/} (Azurite; start it with: azurite --silent)"
fi
