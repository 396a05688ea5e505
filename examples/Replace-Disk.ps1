<#
.SYNOPSIS
    Moves every plex off a disk onto a new one and takes the old disk out of its disk group.
.DESCRIPTION
    Adds the new disk to the group; for each plex with a subdisk on the old disk, adds a mirror of
    that volume on the new disk and then removes the old plex; finally removes the old disk from the
    group. The volumes stay online throughout.
.EXAMPLE
    ./Replace-Disk.ps1 -DiskGroup dg01 -OldDisk d02 -NewDisk d05
#>
#Requires -Modules VolumeManager
[CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
param(
    [Parameter(Mandatory)] [string] $DiskGroup,
    [Parameter(Mandatory)] [string] $OldDisk,
    [Parameter(Mandatory)] [string] $NewDisk,
    # How long to wait for a new mirror's resynchronisation when the old plex is the volume's only Active one.
    [TimeSpan] $ResyncTimeout = [TimeSpan]::FromMinutes(10),
    # The cluster to use (default: the one last connected).
    $Cluster = (Get-VmCluster)
)
$ErrorActionPreference = 'Stop'
if (-not $PSCmdlet.ShouldProcess("disk $OldDisk of disk group $DiskGroup", "Replace with $NewDisk")) { return }

Add-VmDisk -Cluster $Cluster -DiskGroup $DiskGroup -Disk $NewDisk | Out-Null
foreach ($plex in Get-VmPlex -Cluster $Cluster -DiskGroup $DiskGroup | Where-Object Disks -Contains $OldDisk) {
    Write-Verbose "volume $($plex.Volume): mirror on $NewDisk, then remove plex $($plex.Name)"
    $new = Add-VmMirror -Cluster $Cluster -DiskGroup $DiskGroup -Volume $plex.Volume -Disk $NewDisk
    # The last Active plex cannot be removed: when the old plex is the only one, wait until the new one holds the data.
    $deadline = [DateTime]::UtcNow + $ResyncTimeout
    while (-not (Get-VmPlex -Cluster $Cluster -DiskGroup $DiskGroup -Volume $plex.Volume | Where-Object { $_.State -eq 'Active' -and $_.Name -ne $plex.Name })) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "the new plex $($new.Name) of volume $($plex.Volume) was not resynchronised within $ResyncTimeout." }
        Start-Sleep -Milliseconds 500
    }
    Remove-VmMirror -Cluster $Cluster -DiskGroup $DiskGroup -Volume $plex.Volume -Plex $plex.Name -Confirm:$false
}
Remove-VmDisk -Cluster $Cluster -DiskGroup $DiskGroup -Disk $OldDisk -Confirm:$false -PassThru
