# Benchmarks, printed as ratios against a baseline measured in the same run (never asserted).
#   Change  a change's latency against an empty Invoke-Command fan-out (2..8 nodes, SSH and local endpoints)
#   Io      sequential 1 MiB I/O through the kernel (1 plex, 2-way mirror) against a raw file; freeze windows under I/O
#   Nbd     fio through the nbd engine on a 1-plex and a mirrored volume against the raw image file and `nbdkit file`;
#           freeze windows while fio writes
#   Scale   Get-VmVolume and one change at 10,000 volumes against the same at 10
#   Simulator  changes per second through the deterministic simulator at 8 and 64 nodes, against the 8-node rate
#   Succession the longest write stall on a healthy node when a change's successor dies after the decision, against the failure timeout
#   Resync  recovery of a 512 MiB mirror after a node's agent is killed during fio, with a dirty region log against
#           without; fio on a mirror during a resync against without
#   Namespace  New-VmVolume on warm namespace clusters (a node per network namespace, SSH) against an empty fan-out;
#              8 nodes against 2 (root only)
[CmdletBinding()]
param(
    [ValidateSet('Change', 'Io', 'Nbd', 'Scale', 'Simulator', 'Succession', 'Namespace', 'Resync')]
    [string[]] $Part = @('Change', 'Io', 'Nbd', 'Scale', 'Simulator', 'Succession', 'Namespace', 'Resync'),
    [int] $Iterations = 20,
    [string[]] $Shape = @('Local:3', 'Ssh:2', 'Ssh:3', 'Ssh:4', 'Ssh:8')
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module VolumeManager
Import-Module (Join-Path $PSScriptRoot 'BenchTools.psm1') -Force

if ('Change' -in $Part) { & (Join-Path $PSScriptRoot 'ChangeBench.ps1') -Iterations $Iterations -Shape $Shape }
if ('Io' -in $Part) { & (Join-Path $PSScriptRoot 'IoBench.ps1') }
if ('Nbd' -in $Part) { & (Join-Path $PSScriptRoot 'NbdBench.ps1') }
if ('Scale' -in $Part) { & (Join-Path $PSScriptRoot 'ScaleBench.ps1') }
if ('Simulator' -in $Part) { & (Join-Path $PSScriptRoot 'SimulatorBench.ps1') }
if ('Succession' -in $Part) { & (Join-Path $PSScriptRoot 'SuccessionBench.ps1') }
if ('Resync' -in $Part) { & (Join-Path $PSScriptRoot 'ResyncBench.ps1') }
if ('Namespace' -in $Part) {
    $measured = if ($PSBoundParameters.ContainsKey('Iterations')) { @{ Iterations = $Iterations } } else { @{} }
    & (Join-Path $PSScriptRoot 'NamespaceBench.ps1') @measured
}
