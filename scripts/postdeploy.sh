#!/bin/sh
# azd postdeploy hook (POSIX sh; postdeploy.ps1 is the Windows twin).
# Subscribes the blob-triggered scoring function to the storage account's Event Grid system topic:
# BlobCreated under container incoming -> the blobs extension webhook of ScoreIncomingBlob. Flex
# Consumption offers only the Event Grid source for blob triggers. This cannot live in Bicep: the
# webhook carries the blobs_extension system key, which the host creates once the deployed code runs,
# and Event Grid validates the endpoint when the subscription is made. Safe to run again: an
# existing subscription is updated in place (the key may have changed).
set -eu

scripts=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
. "$scripts/common.sh"

require_env AZURE_SUBSCRIPTION_ID RESOURCE_GROUP AZURE_FUNCTION_APP_NAME AZURE_FUNCTION_APP_URL \
  AZURE_STORAGE_ACCOUNT_NAME EVENTGRID_SYSTEM_TOPIC_NAME
require_az

# Must match [Function("ScoreIncomingBlob")] and its [BlobTrigger("incoming/...", Source = EventGrid)].
function_name=ScoreIncomingBlob
container=incoming
subscription_name=incoming-to-score-incoming-blob

# A request wakes an app that has scaled to zero; any status will do.
if command -v curl >/dev/null 2>&1; then
  curl --silent --output /dev/null --max-time 60 "$AZURE_FUNCTION_APP_URL/v2/health/live" || true
fi

blobs_key=''
read_blobs_key() {
  blobs_key=$(az functionapp keys list --only-show-errors --subscription "$AZURE_SUBSCRIPTION_ID" \
    --resource-group "$RESOURCE_GROUP" --name "$AZURE_FUNCTION_APP_NAME" \
    --query systemKeys.blobs_extension --output tsv 2>/dev/null) || return 1
  [ -n "$blobs_key" ]
}
say "waiting for the blobs_extension system key of $AZURE_FUNCTION_APP_NAME"
retry 20 15 read_blobs_key \
  || fail "no blobs_extension key on $AZURE_FUNCTION_APP_NAME. The host creates it when it loads a blob trigger with Source = BlobTriggerSource.EventGrid: is $function_name deployed? (az functionapp function list -g $RESOURCE_GROUP -n $AZURE_FUNCTION_APP_NAME)"

endpoint="$AZURE_FUNCTION_APP_URL/runtime/webhooks/blobs?functionName=Host.Functions.$function_name&code=$blobs_key"
subject_prefix="/blobServices/default/containers/$container/"

subscription_exists() {
  az eventgrid system-topic event-subscription show --only-show-errors --output none \
    --subscription "$AZURE_SUBSCRIPTION_ID" --resource-group "$RESOURCE_GROUP" \
    --system-topic-name "$EVENTGRID_SYSTEM_TOPIC_NAME" --name "$subscription_name" 2>/dev/null
}

# create or update; Event Grid's handshake with the webhook can time out while the host warms up.
write_subscription() { # create|update
  if [ "$1" = create ]; then
    set -- create --endpoint-type webhook
  else
    set -- update
  fi
  az eventgrid system-topic event-subscription "$@" --only-show-errors --output none \
    --subscription "$AZURE_SUBSCRIPTION_ID" --resource-group "$RESOURCE_GROUP" \
    --system-topic-name "$EVENTGRID_SYSTEM_TOPIC_NAME" --name "$subscription_name" \
    --endpoint "$endpoint" \
    --included-event-types Microsoft.Storage.BlobCreated \
    --subject-begins-with "$subject_prefix"
}

if subscription_exists; then
  say "Event Grid subscription $subscription_name: update ($subject_prefix -> $function_name)"
  retry 5 20 write_subscription update || fail "could not update Event Grid subscription $subscription_name"
else
  say "Event Grid subscription $subscription_name: create ($subject_prefix -> $function_name)"
  retry 5 20 write_subscription create || fail "could not create Event Grid subscription $subscription_name"
fi

cat <<TEXT

FunctionsMl is deployed.
  API base URL   $AZURE_FUNCTION_APP_URL
  function key   az functionapp keys list -g $RESOURCE_GROUP -n $AZURE_FUNCTION_APP_NAME --query functionKeys.default -o tsv
  list models    curl -H "x-functions-key: \$KEY" $AZURE_FUNCTION_APP_URL/api/models
  score a file   az storage blob upload --auth-mode login --account-name $AZURE_STORAGE_ACCOUNT_NAME -c $container -n <model>/<file>.csv -f <file>.csv
                 (results land in container scored, rejected input in failed)
TEXT
