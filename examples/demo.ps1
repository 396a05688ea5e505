# The VolumeManager demo: a real 3-node cluster on this machine (one vmconfigd per node, one child-pwsh
# endpoint per node, six shared disk images), one real reconfiguration, and the proof that every node
# made the identical change.
#Requires -Modules VolumeManager
[CmdletBinding()]
param(
    [ValidateSet('Local', 'Ssh')] [string] $Transport = 'Local'
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module VolumeManager

function Show([string] $Title, $Objects) {
    Write-Host ''
    Write-Host "== $Title" -ForegroundColor Cyan
    $Objects | Format-Table -AutoSize | Out-String -Width 120 | Write-Host
}

$path = Join-Path ([IO.Path]::GetTempPath()) ("vmdemo-" + [Guid]::NewGuid().ToString('N').Substring(0, 8))
Write-Host "Starting a 3-node cluster over $Transport endpoints in $path ..."
$clock = [Diagnostics.Stopwatch]::StartNew()
$cluster = Start-VmLocalCluster -Path $path -NodeCount 3 -DiskCount 6 -DiskSize 256MB -Transport $Transport
try {
    Write-Host ("Cluster up in {0:0.0} s" -f $clock.Elapsed.TotalSeconds)
    Show 'The cluster' $cluster
    Show 'Its nodes (the master is marked *)' (Get-VmNode)
    Show 'The shared disks and which nodes can open them' (Get-VmDisk)

    Show 'Checks only: every node answers for the proposal, nothing changes' (New-VmDiskGroup -Name dg01 -Disk d01, d02 -Shared -CheckOnly)

    $clock.Restart()
    $group = New-VmDiskGroup -Name dg01 -Disk d01, d02 -Shared
    Show ("New-VmDiskGroup dg01 on d01, d02 (shared): committed in {0:0} ms" -f $clock.Elapsed.TotalMilliseconds) $group

    Show 'The disk group as each node sees it: the same generation everywhere' (
        'n1', 'n2', 'n3' | ForEach-Object { Get-VmDiskGroup -Name dg01 -Node $_ })

    Write-Host ''
    Write-Host '== A duplicate name is refused on the initiating node, before anything is sent:' -ForegroundColor Cyan
    New-VmDiskGroup -Name dg01 -Disk d03 -Shared -ErrorAction SilentlyContinue -ErrorVariable refused
    Write-Host "   $($refused[0].FullyQualifiedErrorId.Split(',')[0]): $($refused[0])"

    Show 'The transaction log of node n3' (Get-VmTransaction -Node n3)
}
finally {
    Write-Host ''
    Write-Host 'Stopping the cluster and removing its files.'
    Stop-VmLocalCluster -Cluster $cluster -Remove -Confirm:$false
}
