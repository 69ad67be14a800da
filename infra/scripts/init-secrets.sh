#!/bin/sh
# Creates the app's signing keys in its Key Vault, once: approval-link-keys and webhook-keys,
# each "<kid>:<32 random bytes, base64>". An existing secret is left as it is, because a new
# approval-link key would invalidate every link already mailed (rotate by adding a key in front:
# "new:...,old:...", the first signs and all verify).
# Needs: az (signed in), openssl, Key Vault Secrets Officer on the vault (main.bicep grants it
# to deployerPrincipalId). AZURE_KEY_VAULT_NAME comes from azd's environment (main.bicep output),
# or give the vault name as the first argument.
set -eu

vault="${1:-${AZURE_KEY_VAULT_NAME:-}}"
if [ -z "$vault" ]; then
  echo "init-secrets.sh: give the Key Vault name (main.bicep output AZURE_KEY_VAULT_NAME) as the first argument" >&2
  exit 2
fi

ensure_secret() {
  name="$1"
  kid="$2"
  if az keyvault secret show --vault-name "$vault" --name "$name" --query id -o tsv >/dev/null 2>&1; then
    echo "Key Vault $vault: $name exists, left as it is"
    return
  fi
  # The value goes through a file, never the command line (visible to other processes).
  file="$(mktemp)"
  trap 'rm -f "$file"' EXIT
  printf '%s:%s' "$kid" "$(openssl rand -base64 32)" > "$file"
  az keyvault secret set --vault-name "$vault" --name "$name" --file "$file" --content-type 'text/plain' --query id -o tsv >/dev/null
  rm -f "$file"
  echo "Key Vault $vault: created $name (key id $kid)"
}

kid="k$(date -u +%Y%m%d)"
ensure_secret approval-link-keys "$kid"
ensure_secret webhook-keys "$kid"
