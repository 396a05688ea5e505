<#
.SYNOPSIS
    Grows a volume, adding disks to its disk group first when it lacks the space, and checks that the
    data already on the volume is unchanged.
.EXAMPLE
    ./Grow-Volume.ps1 -DiskGroup dg01 -Volume v1 -Size 128MB -AddDisk d03, d04
#>
#Requires -Modules VolumeManager
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $DiskGroup,
    [Parameter(Mandatory)] [string] $Volume,
    # The new size; larger than the current one.
    [Parameter(Mandatory)] [long] $Size,
    # Free disks to add to the disk group if its free space is not enough for every plex.
    [string[]] $AddDisk,
    # The cluster to use (default: the one last connected).
    $Cluster = (Get-VmCluster)
)
$ErrorActionPreference = 'Stop'

$before = Get-VmVolume -Cluster $Cluster -DiskGroup $DiskGroup -Name $Volume
if ($Size -le $before.Size) { throw "volume $Volume is already $($before.Size) bytes; -Size must be larger." }

$needed = ($Size - $before.Size) * $before.Plexes.Count
$group = Get-VmDiskGroup -Cluster $Cluster -Name $DiskGroup
if ($group.FreeBytes -lt $needed -and $AddDisk) {
    Write-Verbose "disk group $DiskGroup has $($group.FreeBytes) bytes free, $needed needed: adding $($AddDisk -join ', ')"
    Add-VmDisk -Cluster $Cluster -DiskGroup $DiskGroup -Disk $AddDisk | Out-Null
}

# The first bytes of the volume must read the same after the resize.
$probe = [int][Math]::Min(64KB, $before.Size)
$head = Read-VmVolume -Cluster $Cluster -DiskGroup $DiskGroup -Volume $Volume -Offset 0 -Length $probe
$after = Resize-VmVolume -Cluster $Cluster -DiskGroup $DiskGroup -Name $Volume -Size $Size
$again = Read-VmVolume -Cluster $Cluster -DiskGroup $DiskGroup -Volume $Volume -Offset 0 -Length $probe
if ([Convert]::ToHexString($again) -ne [Convert]::ToHexString($head)) { throw "volume $Volume reads different data after the resize." }
$after
