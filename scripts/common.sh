# Helpers shared by the azd hooks. POSIX sh (dash runs it); sourced, never run on its own.
# Names are prefixed because sh has no local variables and the callers share the namespace.

say() { printf '%s\n' "$*"; }

fail() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# require_env NAME...: the infra outputs (and azd variables) a hook reads. azd passes them to hooks
# as environment variables; tests/infra/check_infra.sh checks each name is a main.bicep output.
require_env() {
  for _req_name in "$@"; do
    eval "_req_value=\${$_req_name:-}"
    [ -n "$_req_value" ] || fail "$_req_name is not set. Run this through azd (azd provision, azd deploy or azd up), or load the values with: eval \"\$(azd env get-values)\""
  done
}

require_az() {
  command -v az >/dev/null 2>&1 || fail "the Azure CLI (az) is not installed: https://learn.microsoft.com/cli/azure/install-azure-cli"
  # azd and az keep separate sign-ins; the hooks use az's.
  az account show --subscription "$AZURE_SUBSCRIPTION_ID" --output none 2>/dev/null \
    || fail "az is not signed in to subscription $AZURE_SUBSCRIPTION_ID. Run: az login (then az account set --subscription $AZURE_SUBSCRIPTION_ID)"
}

# retry ATTEMPTS DELAY_SECONDS COMMAND [ARG...]: for things that become true a while after azd has
# finished, such as a new role assignment reaching the storage data plane (minutes) or a freshly
# deployed host creating its system keys.
retry() {
  _retry_attempts=$1
  _retry_delay=$2
  shift 2
  _retry_n=1
  until "$@"; do
    [ "$_retry_n" -lt "$_retry_attempts" ] || return 1
    say "  not yet (attempt $_retry_n of $_retry_attempts), trying again in ${_retry_delay}s"
    sleep "$_retry_delay"
    _retry_n=$((_retry_n + 1))
  done
}
