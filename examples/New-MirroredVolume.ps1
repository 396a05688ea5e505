<#
.SYNOPSIS
    Creates a mirrored volume, writes to it through one node and reads it back through every node.
.EXAMPLE
    ./New-MirroredVolume.ps1 -DiskGroup dg01 -Disk d01, d02 -Volume v1 -Size 64MB
#>
#Requires -Modules VolumeManager
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $DiskGroup,
    # Disks for a new shared disk group; not needed when the disk group exists.
    [string[]] $Disk,
    [Parameter(Mandatory)] [string] $Volume,
    [long] $Size = 64MB,
    [ValidateRange(2, 32)] [int] $Mirror = 2,
    # The cluster to use (default: the one last connected).
    $Cluster = (Get-VmCluster)
)
$ErrorActionPreference = 'Stop'

if (-not (Get-VmDiskGroup -Cluster $Cluster | Where-Object Name -EQ $DiskGroup)) {
    New-VmDiskGroup -Cluster $Cluster -Name $DiskGroup -Disk $Disk -Shared | Out-Null
}
$created = New-VmVolume -Cluster $Cluster -DiskGroup $DiskGroup -Name $Volume -Size $Size -Mirror $Mirror

# Write through this node's kernel (every plex gets the bytes), then read back through every member.
$data = [Text.Encoding]::UTF8.GetBytes("volume $Volume written at $([DateTime]::UtcNow.ToString('o'))")
Write-VmVolume -Cluster $Cluster -DiskGroup $DiskGroup -Volume $Volume -Offset 0 -InputObject $data
foreach ($node in (Get-VmNode -Cluster $Cluster | Where-Object State -EQ 'Joined').Name) {
    $back = Read-VmVolume -Cluster $Cluster -DiskGroup $DiskGroup -Volume $Volume -Offset 0 -Length $data.Length -Node $node
    if ([Convert]::ToHexString($back) -ne [Convert]::ToHexString($data)) { throw "node ${node} reads different bytes from volume $Volume." }
    Write-Verbose "node ${node}: read back $($data.Length) bytes"
}
$created
