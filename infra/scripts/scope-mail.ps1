<#
.SYNOPSIS
  Lets PIM's identity send mail as one mailbox, and as no other (Exchange Online RBAC for
  Applications). Bicep cannot do this: it is Exchange configuration, not Entra or Azure.

.DESCRIPTION
  Run once per environment by an Exchange administrator, after infra/entra.bicep and main.bicep:
    pwsh infra/scripts/scope-mail.ps1 -ClientId <identityClientId> -PrincipalId <identityPrincipalId> -Mailbox pim@contoso.com
  (both ids are main.bicep outputs). Needs the ExchangeOnlineManagement module.
  Why Exchange and not Graph: a Graph Mail.Send application permission can send as every mailbox,
  and RBAC for Applications adds to an Entra grant rather than narrowing it, so infra/entra.bicep
  grants no Graph Mail.Send (unless mailPermission=tenantWide) and this grant is the only one.
  It ends by asking Exchange whether the identity may send as the mailbox, and as another.
#>
param(
  [Parameter(Mandatory = $true)][guid]$ClientId,
  [Parameter(Mandatory = $true)][guid]$PrincipalId,
  [Parameter(Mandatory = $true)][ValidatePattern('^[^@\s]+@[^@\s]+$')][string]$Mailbox,
  [string]$DisplayName = 'PIM notifications',
  [string]$OtherMailbox
)
$ErrorActionPreference = 'Stop'

Import-Module ExchangeOnlineManagement
Connect-ExchangeOnline -ShowBanner:$false

# Exchange's own pointer to the Entra service principal of the managed identity.
if (-not (Get-ServicePrincipal -Identity $ClientId.ToString() -ErrorAction SilentlyContinue)) {
  New-ServicePrincipal -AppId $ClientId.ToString() -ObjectId $PrincipalId.ToString() -DisplayName $DisplayName | Out-Null
}

$scopeName = "PIM sender $Mailbox"
$recipient = Get-Recipient -Identity $Mailbox
if (-not (Get-ManagementScope -Identity $scopeName -ErrorAction SilentlyContinue)) {
  New-ManagementScope -Name $scopeName -RecipientRestrictionFilter "PrimarySmtpAddress -eq '$($recipient.PrimarySmtpAddress)'" | Out-Null
}

$assignment = Get-ManagementRoleAssignment -RoleAssignee $ClientId.ToString() -Role 'Application Mail.Send' -ErrorAction SilentlyContinue
if (-not $assignment) {
  New-ManagementRoleAssignment -App $ClientId.ToString() -Role 'Application Mail.Send' -CustomResourceScope $scopeName | Out-Null
}

# Grants take effect within about 30 minutes to 2 hours; the test answers from the configuration.
Test-ServicePrincipalAuthorization -Identity $ClientId.ToString() -Resource $Mailbox | Format-Table RoleName, InScope
if ($OtherMailbox) {
  Test-ServicePrincipalAuthorization -Identity $ClientId.ToString() -Resource $OtherMailbox | Format-Table RoleName, InScope
}
