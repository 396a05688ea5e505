<#
.SYNOPSIS
    Recovers from the loss of a node's agent: waits for the cluster to evict it, lets changes go on
    among the other nodes, then brings the node back and checks it caught up.
.DESCRIPTION
    1. Shows the node as the cluster sees it: Down (its agent stopped answering; every change fails
       naming it) until the failure timeout evicts it, then Left.
    2. Runs -WhileAway, the changes to make among the remaining members (optional).
    3. Brings the node back with Add-VmNode; it takes the master's configuration as it rejoins.
    4. Checks that the node has the master's generation and sees the same disk groups.
.EXAMPLE
    ./Recover-NodeLoss.ps1 -Node n3 -WhileAway { New-VmVolume -DiskGroup dg01 -Name v9 -Size 16MB }
#>
#Requires -Modules VolumeManager
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Node,
    # Changes to make while the node is out of the cluster.
    [scriptblock] $WhileAway,
    # How long to wait for the eviction (the cluster's failure timeout plus a margin).
    [TimeSpan] $Timeout = [TimeSpan]::FromSeconds(60),
    # The cluster to use (default: the one last connected).
    $Cluster = (Get-VmCluster)
)
$ErrorActionPreference = 'Stop'

function Show-Node { Get-VmNode -Cluster $Cluster -Name $Node | Format-Table Name, Role, State, AgentRunning, Generation | Out-String | Write-Host }

Show-Node
$deadline = [DateTime]::UtcNow + $Timeout
while ((Get-VmNode -Cluster $Cluster -Name $Node).State -ne 'Left') {
    if ([DateTime]::UtcNow -gt $deadline) { throw "node $Node was not evicted within $Timeout." }
    Start-Sleep -Milliseconds 250
}
Show-Node

if ($WhileAway) { & $WhileAway | Out-Host }

$back = Add-VmNode -Cluster $Cluster -Name $Node
Show-Node
$master = (Get-VmCluster -Cluster $Cluster).Master
$expected = Get-VmDiskGroup -Cluster $Cluster -Node $master | ForEach-Object { "$($_.Name):$($_.Generation):$($_.Volumes -join ',')" }
$seen = Get-VmDiskGroup -Cluster $Cluster -Node $Node | ForEach-Object { "$($_.Name):$($_.Generation):$($_.Volumes -join ',')" }
if ("$expected" -ne "$seen") { throw "node $Node did not catch up: it has [$seen], master $master has [$expected]." }
$back
